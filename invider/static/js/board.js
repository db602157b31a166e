// Keeps the standings tables up to date without reloading the page.
// Names are untrusted: every cell is set with textContent, never as HTML.
(function () {
  "use strict";
  var root = document.querySelector("[data-source]");
  if (!root) return;
  var source = root.getAttribute("data-source");
  var etag = null;
  var connection = document.getElementById("connection");

  function fill(tbody, rows, columns) {
    var body = document.createDocumentFragment();
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      columns.forEach(function (col) {
        var td = document.createElement("td");
        var value = row[col];
        td.textContent = value === null || value === undefined ? "" : String(value);
        if (typeof value === "number" && col !== "rank") td.className = "num";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    tbody.replaceChildren(body);
  }

  function render(data) {
    var players = document.querySelector("#players tbody");
    var teams = document.querySelector("#teams tbody");
    var big = document.body.classList.contains("screen");
    if (players && big) fill(players, data.players.slice(0, 10), ["rank", "name", "team", "score"]);
    if (teams && big) fill(teams, data.teams, ["rank", "name", "average", "players"]);
  }

  function poll() {
    if (document.hidden) return;
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(source, { headers: headers, cache: "no-cache" }).then(function (response) {
      if (connection) connection.textContent = "";
      if (response.status === 304) return null;
      if (!response.ok) throw new Error(response.status);
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (data) {
      if (data) render(data);
    }).catch(function () {
      if (connection) connection.textContent = connection.getAttribute("data-reconnecting") || "…";
    });
  }

  setInterval(poll, 2000);
})();
