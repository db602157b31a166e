// Phone pages: counts down to a time the server sent (a sleeping poster's wave, the
// freeze or the close) and, for a sleeping poster, loads the page again once it wakes,
// so the question appears. Without JavaScript the page says the same when it loads.
(function () {
  "use strict";
  function words(seconds) {
    seconds = Math.max(0, Math.ceil(seconds));
    if (seconds >= 3600) {
      var m = Math.floor(seconds % 3600 / 60);
      return Math.floor(seconds / 3600) + " h " + (m < 10 ? "0" : "") + m;
    }
    if (seconds >= 60) return Math.ceil(seconds / 60) + " min";
    return seconds + " s";
  }
  var timers = Array.prototype.slice.call(document.querySelectorAll("[data-countdown-at]"));
  if (!timers.length) return;
  var lang = document.documentElement.lang || "fr";
  // The server's clock, not the phone's: a phone whose clock is late would reload early.
  var served = Date.parse(timers[0].getAttribute("data-server-now") || "");
  var skew = isNaN(served) ? 0 : served - Date.now();
  function tick() {
    var now = Date.now() + skew;
    timers.forEach(function (el) {
      var left = (Date.parse(el.getAttribute("data-countdown-at")) - now) / 1000;
      var slot = el.querySelector(".left");
      if (slot) {
        var text = words(left);
        if (slot.textContent !== text) slot.textContent = text;
      } else if (el.getAttribute("data-one")) {
        var n = Math.max(1, Math.ceil(left / 60));
        var one = lang === "fr" ? n < 2 : n === 1;
        var text2 = el.getAttribute(one ? "data-one" : "data-many").split("{num}").join(String(n));
        if (el.textContent !== text2) el.textContent = text2;
      }
      if (left <= 0 && el.getAttribute("data-reload") === "true" && !el.hasAttribute("data-done")) {
        el.setAttribute("data-done", "");
        // A second late: every server has woken the wave by then.
        setTimeout(function () { window.location.reload(); }, 1500);
      }
    });
  }
  setInterval(tick, 1000);
  tick();
})();
