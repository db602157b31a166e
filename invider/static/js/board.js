// Keeps the phone leaderboard up to date while it is visible, without reloading.
// Names are untrusted: every cell is set with textContent, never as HTML. The player's
// own row is recognised by name (names are unique) and keeps the live score the server
// rendered for this phone, since the shared JSON never holds anything personal.
(function () {
  "use strict";
  var table = document.getElementById("players");
  if (!table) return;
  var source = table.getAttribute("data-source");
  var me = table.getAttribute("data-me");
  var frozen = table.getAttribute("data-frozen") === "true";
  var etag = null;
  var lang = document.documentElement.lang || undefined;
  var PLAYER_COLUMNS = ["rank", "who", "score", "found"];
  var TEAM_COLUMNS = ["rank", "name", "average", "score", "players"];

  function text(value, col) {
    if (value === null || value === undefined) return "";
    // Numbers follow the page's language (1 234,5 in French, 1,234.5 in English).
    if (typeof value === "number") {
      return value.toLocaleString(lang, col === "average" ?
        { minimumFractionDigits: 1, maximumFractionDigits: 1 } : undefined);
    }
    return String(value);
  }

  // The player's cell holds the name and, under it, the team: two spans, set as text.
  function fillWho(td, row) {
    if (!td.querySelector(".name")) {
      td.textContent = "";
      ["name", "team"].forEach(function (cls) {
        var span = document.createElement("span");
        span.className = cls;
        td.appendChild(span);
      });
    }
    ["name", "team"].forEach(function (cls) {
      var span = td.querySelector("." + cls);
      var value = text(row[cls], cls);
      if (span.textContent !== value) span.textContent = value;
    });
  }

  function setRows(tbody, rows, columns, mark) {
    // Reuse existing rows and cells so the page does not flicker.
    while (tbody.rows.length > rows.length) tbody.deleteRow(-1);
    rows.forEach(function (row, i) {
      var tr = tbody.rows[i] || tbody.insertRow(-1);
      while (tr.cells.length > columns.length) tr.deleteCell(-1);
      columns.forEach(function (col, j) {
        var td = tr.cells[j] || tr.insertCell(-1);
        if (col === "who") {
          fillWho(td, row);
        } else {
          var value = text(row[col], col);
          if (td.textContent !== value) td.textContent = value;
        }
        td.className = col === "rank" ? "rank" : col === "who" || col === "name" ? "who" :
          columns === TEAM_COLUMNS && col === "score" ? "num total" : "num";
      });
      if (mark) mark(tr, row);
    });
  }

  function markMe(tr, row) {
    var mine = me !== null && row.name === me;
    tr.classList.toggle("me", mine);
    if (mine) {
      tr.setAttribute("aria-current", "true");
      if (frozen) {
        tr.cells[2].textContent = table.getAttribute("data-me-score");
        tr.cells[3].textContent = table.getAttribute("data-me-found");
      }
    } else {
      tr.removeAttribute("aria-current");
    }
  }

  // The organisers' messages ride on the same refresh: one banner each, set as text.
  function renderMessages(messages) {
    var box = document.getElementById("programme");
    if (!box) {
      if (!messages.length) return;
      box = document.createElement("div");
      box.className = "programme";
      box.id = "programme";
      var main = document.getElementById("main");
      main.parentNode.insertBefore(box, main);
    }
    var language = (lang || "fr").slice(0, 2);
    Array.prototype.forEach.call(box.querySelectorAll("p.banner"), function (p) { p.remove(); });
    var before = box.firstChild;
    messages.forEach(function (m) {
      var p = document.createElement("p");
      p.className = "banner";
      p.setAttribute("role", "status");
      p.textContent = m[language] || m.fr || m.en || "";
      box.insertBefore(p, before);
    });
  }

  function render(data) {
    renderMessages(data.hunt.messages || []);
    if (data.players.length) setRows(table.tBodies[0], data.players, PLAYER_COLUMNS, markMe);
    var teams = document.getElementById("teams");
    if (teams) setRows(teams.tBodies[0], data.teams, TEAM_COLUMNS);
  }

  function poll() {
    if (document.hidden) return;
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(source, { headers: headers, cache: "no-cache" }).then(function (response) {
      if (response.status === 304 || !response.ok) return null;
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (data) {
      if (data) render(data);
    }).catch(function () { /* the next poll retries */ });
  }

  setInterval(poll, 4000);
  document.addEventListener("visibilitychange", poll);
})();
