// The big screen: polls /screen.json (ETag, 304 when unchanged) and updates the text in
// place, so nothing flickers and the layout never moves. Names and topics are untrusted:
// they only ever reach the page through textContent, never through a pattern or HTML.
// On a failed fetch it says "reconnecting" and keeps trying; after the close the
// presenter steps through the final reveal (space, right arrow, page down or a click).
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
  var wave = null; // when the next wave wakes, in ms
  var failures = 0;
  var percent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  var number = new Intl.NumberFormat(lang);
  var decimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function setText(el, text) {
    if (el && el.textContent !== text) el.textContent = text;
  }

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  function pct(value) {
    return value === null || value === undefined ? "–" : percent.format(value);
  }

  // "{name} found #{number}" filled piece by piece: the name is never a replacement
  // pattern, so "$&", "$'" or "{number}" in a name stay as typed.
  function foundText(find) {
    var values = { "{name}": find.name, "{number}": String(find.number) };
    return root.getAttribute("data-found").split(/(\{name\}|\{number\})/).map(function (part) {
      return Object.prototype.hasOwnProperty.call(values, part) ? values[part] : part;
    }).join("");
  }

  function renderTop(players) {
    each("#top li", function (li, i) {
      var p = players[i];
      var badge = li.querySelector(".badge");
      setText(badge, p ? String(p.rank) : "");
      badge.style.backgroundColor = p ? p.colour : "";
      setText(li.querySelector(".name"), p ? p.name : "");
      setText(li.querySelector(".team"), p ? p.team || "" : "");
      setText(li.querySelector(".score"), p ? number.format(p.score) : "");
      li.classList.toggle("empty", !p);
    });
  }

  function renderTeams(teams) {
    each("#teams li", function (li, i) {
      var t = teams[i];
      setText(li.querySelector(".team-rank"), t ? String(t.rank) : "");
      setText(li.querySelector(".name"), t ? t.name : "");
      setText(li.querySelector(".avg"), t ? decimal.format(t.average) : "");
    });
  }

  function renderFeed(feed) {
    each("#feed li", function (li, i) {
      setText(li, feed[i] ? foundText(feed[i]) : "");
    });
  }

  function renderProgress(progress) {
    var players = document.getElementById("fig-players");
    if (!players) return;
    setText(players, progress.players === null ? "–" : number.format(progress.players));
    setText(document.getElementById("fig-finds"), number.format(progress.finds));
    setText(document.getElementById("fig-correct"), pct(progress.correct_share));
    var buckets = progress.over_time;
    var top = Math.max.apply(null, [1].concat(buckets.map(function (b) { return b.finds; })));
    each("#chart rect", function (rect, i) {
      var h = buckets[i] ? buckets[i].finds / top * 38 : 0;
      rect.setAttribute("y", String(40 - h));
      rect.setAttribute("height", String(h));
    });
  }

  function renderTopicWords(li, t) {
    var box = li.querySelector(".topic-figures");
    setText(box.querySelector(".reach-value"), pct(t.reach));
    var first = box.querySelector(".first-value");
    var words = box.querySelector(".first-words");
    if (t.first_try === null) {
      if (first) first.remove();
      setText(words, root.getAttribute("data-too-few"));
    } else {
      if (!first) {
        first = document.createElement("strong");
        first.className = "first-value";
        box.insertBefore(first, words);
        box.insertBefore(document.createTextNode(" "), words);
      }
      setText(first, pct(t.first_try));
      setText(words, root.getAttribute("data-right-first"));
    }
  }

  function renderTopics(topics) {
    var byName = {};
    topics.forEach(function (t) { byName[t.topic] = t; });
    each("#topics li[data-topic]", function (li) {
      var t = byName[li.getAttribute("data-topic")];
      if (!t) return;
      li.classList.toggle("best", t.best);
      li.classList.toggle("worst", t.worst);
      li.querySelector("rect.reach").setAttribute("width", String(t.reach * 100));
      li.querySelector("rect.first").setAttribute("width", String((t.first_try || 0) * 100));
      renderTopicWords(li, t);
    });
  }

  // The organisers' messages: one paragraph each, set as text.
  function renderBanner(messages) {
    var banner = document.getElementById("banner");
    if (!banner) return;
    while (banner.children.length > messages.length) banner.removeChild(banner.lastChild);
    messages.forEach(function (m, i) {
      var p = banner.children[i];
      if (!p) {
        p = document.createElement("p");
        p.className = "banner";
        banner.appendChild(p);
      }
      setText(p, m[lang] || m.fr || m.en || "");
    });
  }

  function fill(pattern, name, value) {
    return pattern.split(name).join(value);
  }

  function leftWords(seconds) {
    seconds = Math.max(0, Math.ceil(seconds));
    if (seconds >= 3600) {
      var m = Math.floor(seconds % 3600 / 60);
      return Math.floor(seconds / 3600) + " h " + (m < 10 ? "0" : "") + m;
    }
    if (seconds >= 60) return Math.ceil(seconds / 60) + " min";
    return seconds + " s";
  }

  // "Next wave in 12 min" and, in the last minutes before the freeze or the close,
  // "Only 25 minutes left to find inviders": both from times the server sent.
  function tickProgramme(now) {
    var next = document.getElementById("next-wave");
    if (next && wave) {
      next.hidden = false;
      setText(next, fill(root.getAttribute("data-next-wave"), "{left}", leftWords((wave - now) / 1000)));
    } else if (next) {
      next.hidden = true;
    }
    var stretch = document.getElementById("last-stretch");
    var minutes = Number(root.getAttribute("data-minutes") || 0);
    if (!stretch) return;
    var left = target ? (target.at - now) / 1000 : -1;
    if (!target || target.kind === "opens" || !minutes || left <= 0 || left > minutes * 60) {
      stretch.hidden = true;
      return;
    }
    var n = Math.ceil(left / 60);
    var one = lang === "fr" ? n < 2 : n === 1;
    var key = "data-stretch-" + target.kind + (one ? "-one" : "-many");
    stretch.hidden = false;
    setText(stretch, fill(root.getAttribute(key) || "", "{num}", String(n)));
  }

  function render(data) {
    if (data.hunt.status !== status) {
      // A new phase (opening, freeze, close, reveal) has its own layout: load it whole.
      window.location.reload();
      return;
    }
    var news = data.announcement ? data.announcement.name : "";
    if (news !== (root.getAttribute("data-announcement") || "") && (status === "open" || status === "frozen")) {
      // A wave woke (or its announcement ended): the page draws its sprites.
      window.location.reload();
      return;
    }
    var change = data.hunt.next_change;
    target = change ? { at: Date.parse(change.at), kind: change.kind } : null;
    wave = data.hunt.next_wave ? Date.parse(data.hunt.next_wave.at) : null;
    renderBanner(data.hunt.messages || []);
    renderTop(data.players);
    renderTeams(data.teams);
    renderFeed(data.feed);
    renderProgress(data.progress);
    renderTopics(data.topics);
  }

  function tick() {
    tickProgramme(Date.now() + skew);
    if (!countdown || !target) return;
    var left = Math.max(0, Math.round((target.at - (Date.now() + skew)) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    var clock = (h ? h + ":" + two(m) : String(m)) + ":" + two(s);
    if (countdown.getAttribute("data-bare") === "true") {
      setText(countdown, clock);
    } else {
      setText(countdown, (root.getAttribute("data-label-" + target.kind) || "") + " " + clock);
    }
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

  // The reveal: steps show in the order of their data-step (3rd, 2nd, 1st, the winning
  // team, best landed, to revisit), whatever their place on the page (2-1-3).
  function startReveal() {
    var reveal = document.getElementById("reveal");
    var hint = document.getElementById("reveal-hint");
    if (!reveal) return;
    var steps = Array.prototype.slice.call(reveal.querySelectorAll("[data-step]"));
    steps.sort(function (a, b) { return a.getAttribute("data-step") - b.getAttribute("data-step"); });
    if (!steps.length) return;
    var shown = 0;
    steps.forEach(function (el) { el.classList.add("pending"); });
    reveal.classList.add("clickable");
    if (hint) hint.hidden = false;
    function show(count) {
      shown = Math.max(0, Math.min(steps.length, count));
      steps.forEach(function (el, i) { el.classList.toggle("pending", i >= shown); });
      if (hint) hint.hidden = shown >= steps.length;
    }
    reveal.addEventListener("click", function () { show(shown + 1); });
    document.addEventListener("keydown", function (event) {
      if (event.target && event.target.closest && event.target.closest(".bottom, .kiosk-label, input")) return;
      if (event.key === " " || event.key === "ArrowRight" || event.key === "PageDown" || event.key === "Enter") {
        event.preventDefault();
        show(shown + 1);
      } else if (event.key === "ArrowLeft" || event.key === "PageUp" || event.key === "Backspace") {
        event.preventDefault();
        show(shown - 1);
      }
    });
  }

  // Kiosk mode: M shows or hides the footer's links and language buttons.
  document.addEventListener("keydown", function (event) {
    if ((event.key === "m" || event.key === "M") && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var toggle = document.getElementById("kiosk-menu");
      if (toggle) toggle.checked = !toggle.checked;
    }
  });

  if (countdown && countdown.getAttribute("data-at")) {
    target = { at: Date.parse(countdown.getAttribute("data-at")),
               kind: countdown.getAttribute("data-kind") };
  }
  var nextWave = document.getElementById("next-wave");
  if (nextWave && nextWave.getAttribute("data-at")) wave = Date.parse(nextWave.getAttribute("data-at"));
  if (status === "closed") startReveal();
  setInterval(tick, 1000);
  tick();
  poll();
})();
