// Keyboard shortcuts for resolving detector mentions on a finding (R3).
// Loaded as a file: the Content-Security-Policy allows no inline script.
// j / k: next / previous mention; r: redact it; n: go to its reason (Enter then marks it
// not protected). Keys typed into a field are left alone, except Escape, which leaves it.
// A resolved mention is one line with a "Change" disclosure: r and n act on it once it is open.
(function () {
  "use strict";
  var list = document.querySelector("[data-mentions]");
  if (!list) {
    return;
  }
  var items = Array.prototype.slice.call(list.querySelectorAll(".mention-item"));
  if (!items.length) {
    return;
  }

  // Shortcuts act only while the keyboard is in the mention list, or nowhere yet (the page
  // was opened at #mention-N): a key pressed on another control never resolves anything.
  function current() {
    var active = document.activeElement;
    for (var i = 0; i < items.length; i++) {
      if (items[i] === active || items[i].contains(active)) {
        return i;
      }
    }
    if (active && active !== document.body && !list.contains(active)) {
      return null;
    }
    var hashed = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    return items.indexOf(hashed);
  }

  function focusItem(index) {
    var item = items[(index + items.length) % items.length];
    item.focus();
    item.scrollIntoView({ block: "center" });
  }

  // A resolved mention shows one line; its controls sit behind "Change" (issue 18). A key acts on
  // them only once that is open, so j / k can walk past decisions without changing one.
  function control(item, selector) {
    var el = item && item.querySelector(selector);
    var closed = el && el.closest("details:not([open])");
    return el && !closed ? el : null;
  }

  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (typing(event.target)) {
      if (event.key === "Escape" && event.target.closest(".mention-item")) {
        event.target.closest(".mention-item").focus();
      }
      return;
    }
    var index = current();
    if (index === null) {
      return;
    }
    var item = index >= 0 ? items[index] : null;
    if (event.key === "j") {
      focusItem(index + 1);
    } else if (event.key === "k") {
      focusItem(index < 0 ? -1 : index - 1);
    } else if (event.key === "r" && control(item, "[data-redact]")) {
      control(item, "[data-redact]").click();
    } else if (event.key === "n" && control(item, "[data-reason]")) {
      control(item, "[data-reason]").focus();
    } else {
      return;
    }
    event.preventDefault();
  });

  // A refused resolution: back to the reason that needs fixing. Arriving at #mention-N
  // after a resolution: put the keyboard there too.
  var invalid = list.querySelector("[aria-invalid='true']");
  var start = current();
  if (invalid) {
    invalid.focus();
  } else if (start !== null && start >= 0) {
    items[start].focus();
  }
})();
