// The checklist item form (issue 18). Loaded as a file: the Content-Security-Policy allows
// no inline script. Without this script the form still works: the reason field is always
// shown, and "Add another search" posts the form, which comes back one row longer.
(function () {
  "use strict";

  // The reason is asked only when the outcome is "unable"; a reason already typed or refused
  // stays visible whatever the outcome.
  function discloseReason(form) {
    var wrapper = form.querySelector("[data-reason-field]");
    var outcomes = form.querySelectorAll("[data-outcome]");
    if (!wrapper || !outcomes.length) {
      return;
    }
    var textarea = wrapper.querySelector("textarea");
    var hint = wrapper.querySelector("[data-reason-hint]");
    if (hint) {
      hint.hidden = true;
    }
    function update() {
      var checked = form.querySelector("[data-outcome]:checked");
      var needed = checked && checked.value === "unable";
      var kept = (textarea && textarea.value.trim()) || wrapper.querySelector(".field--error");
      wrapper.hidden = !(needed || kept);
    }
    Array.prototype.forEach.call(outcomes, function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  // "Add another search": a copy of the last row, renumbered and empty, with the keyboard in it.
  function addRows(form) {
    var button = form.querySelector("[data-add-row]");
    var rows = form.querySelector("[data-search-rows]");
    if (!button || !rows) {
      return;
    }
    var max = parseInt(button.getAttribute("data-max"), 10) || 10;
    var numbered = /-searches-\d+-/;
    button.addEventListener("click", function (event) {
      var all = rows.querySelectorAll(".search-row");
      if (all.length >= max) {
        return;
      }
      event.preventDefault();
      var index = all.length;
      var row = all[all.length - 1].cloneNode(true);
      var marker = "-searches-" + index + "-";
      Array.prototype.forEach.call(row.querySelectorAll("[id], [name], [for], [aria-describedby]"), function (el) {
        ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) {
            el.setAttribute(attr, value.replace(new RegExp(numbered.source, "g"), marker));
          }
        });
      });
      Array.prototype.forEach.call(row.querySelectorAll(".error"), function (el) {
        el.parentNode.removeChild(el);
      });
      Array.prototype.forEach.call(row.querySelectorAll(".field--error"), function (el) {
        el.classList.remove("field--error");
      });
      Array.prototype.forEach.call(row.querySelectorAll("input"), function (input) {
        input.value = "";
        input.removeAttribute("aria-invalid");
        input.removeAttribute("autofocus");
        var described = (input.getAttribute("aria-describedby") || "")
          .split(" ")
          .filter(function (id) { return id && !/-error$/.test(id); });
        if (described.length) {
          input.setAttribute("aria-describedby", described.join(" "));
        } else {
          input.removeAttribute("aria-describedby");
        }
      });
      row.setAttribute("aria-label", "Search " + (index + 1));
      rows.appendChild(row);
      row.querySelector("input").focus();
      if (index + 1 >= max) {
        button.hidden = true;
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-resolve]"), function (form) {
    discloseReason(form);
    addRows(form);
  });
})();
