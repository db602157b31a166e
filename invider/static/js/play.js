// The "suggest a name" button on the join page: without JavaScript it is a link that
// reloads the form with a name filled in; with it, it fills the field in place and
// cycles through the names the page carries. Names go in with .value, never as HTML.
(function () {
  "use strict";
  document.querySelectorAll("[data-suggest]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-suggest"));
    var names;
    try {
      names = JSON.parse(button.getAttribute("data-names") || "[]");
    } catch (e) {
      return;
    }
    if (!field || !names.length) return;
    var next = 0;
    button.setAttribute("role", "button");
    function suggest(event) {
      event.preventDefault();
      field.value = names[next % names.length];
      next += 1;
      field.focus();
    }
    button.addEventListener("click", suggest);
    // A link acting as a button answers the space bar too, like a real button.
    button.addEventListener("keydown", function (event) {
      if (event.key === " ") suggest(event);
    });
  });
})();
