// The big screen: polls /screen.json (ETag, 304 when unchanged) and updates the text in
// place, so nothing flickers and the layout never moves. Names and topics are untrusted:
// they only ever reach the page through textContent. On a failed fetch it says
// "reconnecting" and keeps trying; after the close it steps through the final reveal.
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root) return;
  var source = root.getAttribute("data-source");
  var status = root.getAttribute("data-status");
  var lang = root.getAttribute("data-lang") || document.documentElement.lang || "fr";
  var connection = document.getElementById("connection");
  var countdown = document.getElementById("countdown");
  var etag = null;
  var skew = 0; // server clock minus this clock, in ms
  var target = null;
  var failures = 0;
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  var number = new Intl.NumberFormat(lang);
  var decimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function setText(el, text) {
    if (el && el.textContent !== text) el.textContent = text;
  }

  function pct(value) {
    return value === null || value === undefined ? "–" : percent.format(value);
  }

  function foundText(find) {
    return root.getAttribute("data-found")
      .replace("{name}", find.name).replace("{number}", String(find.number));
  }

  function renderTop(players) {
    var rows = document.querySelectorAll("#top tbody tr");
    Array.prototype.forEach.call(rows, function (tr, i) {
      var p = players[i];
      var badge = tr.cells[0].firstElementChild;
      setText(badge, p ? String(p.rank) : "");
      badge.style.backgroundColor = p ? p.colour : "";
      setText(tr.cells[1], p ? p.name : "");
      setText(tr.cells[2], p ? p.team || "" : "");
      setText(tr.cells[3], p ? number.format(p.score) : "");
      tr.classList.toggle("empty", !p);
    });
  }

  function renderTeams(teams) {
    var tbody = document.querySelector("#teams tbody");
    teams.forEach(function (t, i) {
      var tr = tbody.rows[i];
      if (!tr) {
        tr = tbody.insertRow(-1);
        for (var c = 0; c < 5; c++) tr.insertCell(-1).className = c >= 2 ? "num" : "";
      }
      setText(tr.cells[0], String(t.rank));
      setText(tr.cells[1], t.name);
      setText(tr.cells[2], decimal.format(t.average));
      setText(tr.cells[3], number.format(t.score));
      setText(tr.cells[4], number.format(t.players));
    });
  }

  function renderFeed(feed) {
    var items = document.querySelectorAll("#feed li");
    Array.prototype.forEach.call(items, function (li, i) {
      setText(li, feed[i] ? foundText(feed[i]) : "");
    });
  }

  function renderProgress(progress) {
    setText(document.getElementById("fig-players"), number.format(progress.players));
    setText(document.getElementById("fig-finds"), number.format(progress.finds));
    setText(document.getElementById("fig-correct"), pct(progress.correct_share));
    var buckets = progress.over_time;
    var top = Math.max.apply(null, [1].concat(buckets.map(function (b) { return b.finds; })));
    var rects = document.querySelectorAll("#chart rect");
    Array.prototype.forEach.call(rects, function (rect, i) {
      var h = buckets[i] ? buckets[i].finds / top * 38 : 0;
      rect.setAttribute("y", String(40 - h));
      rect.setAttribute("height", String(h));
    });
  }

  function renderTopics(topics) {
    var items = document.querySelectorAll("#topics li");
    var byName = {};
    topics.forEach(function (t) { byName[t.topic] = t; });
    Array.prototype.forEach.call(items, function (li) {
      var t = byName[li.getAttribute("data-topic")];
      if (!t) return;
      li.classList.toggle("best", t.best);
      li.classList.toggle("worst", t.worst);
      li.querySelector("rect.reach").setAttribute("width", String(t.reach * 100));
      li.querySelector("rect.first").setAttribute("width", String((t.first_try || 0) * 100));
      setText(li.querySelector(".topic-figures"), pct(t.reach) + " · " + pct(t.first_try));
    });
  }

  function render(data) {
    if (data.hunt.status !== status) {
      // A new phase (opening, freeze, close, reveal) has its own layout: load it whole.
      window.location.reload();
      return;
    }
    var change = data.hunt.next_change;
    target = change ? { at: Date.parse(change.at), kind: change.kind } : null;
    renderTop(data.players);
    renderTeams(data.teams);
    renderFeed(data.feed);
    renderProgress(data.progress);
    renderTopics(data.topics);
  }

  function tick() {
    if (!countdown || !target) return;
    var left = Math.max(0, Math.round((target.at - (Date.now() + skew)) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    var clock = (h ? h + ":" : "") + two(m) + ":" + two(s);
    var label = root.getAttribute("data-label-" + target.kind) || "";
    setText(countdown, label + " " + clock);
  }

  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(source, { headers: headers, cache: "no-cache" }).then(function (response) {
      if (response.status !== 304 && !response.ok) throw new Error(String(response.status));
      failures = 0;
      setText(connection, "");
      var date = Date.parse(response.headers.get("Date") || "");
      if (!isNaN(date)) skew = date - Date.now();
      if (response.status === 304) return null;
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (data) {
      if (data) render(data);
    }).catch(function () {
      failures += 1;
      setText(connection, root.getAttribute("data-reconnecting"));
    }).then(function () {
      // Back off gently while the server is away, then come back to every 2 s.
      setTimeout(poll, Math.min(2000 * Math.max(1, failures), 6000));
    });
  }

  function startReveal() {
    var steps = Array.prototype.slice.call(document.querySelectorAll("#reveal [data-step]"));
    var button = document.getElementById("reveal-next");
    if (!steps.length || !button) return;
    document.body.classList.add("revealing");
    steps.forEach(function (el) { el.classList.add("pending"); });
    button.hidden = false;
    function next() {
      var step = steps.shift();
      if (step) step.classList.remove("pending");
      if (!steps.length) {
        button.hidden = true;
        document.body.classList.remove("revealing");
      }
    }
    button.addEventListener("click", next);
    document.addEventListener("keydown", function (event) {
      if (event.key === " " || event.key === "ArrowRight" || event.key === "Enter") {
        if (event.target !== button) { event.preventDefault(); next(); }
      }
    });
    button.focus();
  }

  // Server-rendered badges get their colour from a class; keep it in sync from JSON later.
  if (countdown && countdown.getAttribute("data-at")) {
    target = { at: Date.parse(countdown.getAttribute("data-at")),
               kind: countdown.getAttribute("data-kind") };
  }
  if (status === "closed") startReveal();
  setInterval(tick, 1000);
  tick();
  poll();
})();
