// The deck editor: as the organiser types, the phone preview follows and the server checks
// the form with the very validation a deck upload goes through (POST to data-check). Without
// JavaScript the form still saves and the server answers with the same messages.
// Text goes in with textContent, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("invider-form");
  if (!form || !window.fetch || !window.FormData) return;
  var preview = document.querySelector("[data-preview]");
  var touched = {};
  var submitted = false;
  var timer = null;
  var asked = 0;

  function mode() {
    var checked = form.querySelector("input[name=mode]:checked");
    return checked ? checked.value : "choices";
  }

  // Which error a form control's value can cause.
  function fieldOf(name) {
    if (/^(choice|correct)\d$/.test(name)) return "choices";
    return name;
  }

  function control(field) {
    return document.getElementById(field === "choices" ? "choices" : field);
  }

  function showMode() {
    form.querySelectorAll("fieldset[data-mode]").forEach(function (set) {
      set.hidden = set.getAttribute("data-mode") !== mode();
    });
  }

  function value(name) {
    var el = form.elements[name];
    return el && el.value ? el.value.trim() : "";
  }

  function updatePreview() {
    if (!preview) return;
    preview.querySelector("[data-preview-question]").textContent = value("question");
    preview.querySelector("[data-preview-fact]").textContent = value("fact");
    var typed = mode() === "typed";
    preview.querySelector("[data-preview-choices]").hidden = typed;
    preview.querySelector("[data-preview-typed]").hidden = !typed;
    preview.querySelectorAll("[data-preview-choice]").forEach(function (span) {
      var text = value("choice" + span.getAttribute("data-preview-choice"));
      span.textContent = text;
      span.hidden = !text;
    });
  }

  function showErrors(result) {
    form.querySelectorAll("[data-error-for]").forEach(function (p) {
      var field = p.getAttribute("data-error-for");
      var messages = (result.fields[field] || []);
      var shown = submitted || touched[field] ? messages.join(" ") : "";
      p.textContent = shown;
      var el = control(field);
      if (el) {
        if (shown) el.setAttribute("aria-invalid", "true");
        else el.removeAttribute("aria-invalid");
      }
    });
  }

  function check() {
    var number = ++asked;
    fetch(form.getAttribute("data-check"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (result) {
      if (result && number === asked) showErrors(result);  // an older answer is stale
    }).catch(function () { /* offline: saving still checks everything */ });
  }

  function changed(event) {
    if (event.target.name) touched[fieldOf(event.target.name)] = true;
    if (event.target.name === "mode") showMode();
    updatePreview();
    clearTimeout(timer);
    timer = setTimeout(check, 350);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  showMode();
  updatePreview();
  // After a refused save the page comes back with its summary: take the reader there.
  var summary = document.getElementById("error-summary");
  if (summary && !summary.hidden) {
    submitted = true;
    summary.focus();
  }
})();
