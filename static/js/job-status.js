// The job status page (templates/jobs/status.html): while the job is unfinished, fetch the page
// again every few seconds and put the new status in place, so the aria-live region announces the
// change without a reload moving the reader's place. Without this script, "Check now" reloads.
(function () {
  "use strict";
  var box = document.getElementById("job-status");
  if (!box || !window.fetch || !window.DOMParser) {
    return;
  }
  function check() {
    var seconds = parseInt(box.getAttribute("data-refresh"), 10);
    if (!seconds) {
      return;
    }
    window.setTimeout(function () {
      fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("job-status");
          if (!fresh) {
            return;
          }
          var live = box.querySelector("[aria-live]");
          var freshLive = fresh.querySelector("[aria-live]");
          if (live && freshLive && live.innerHTML !== freshLive.innerHTML) {
            live.innerHTML = freshLive.innerHTML;
          }
          box.setAttribute("data-refresh", fresh.getAttribute("data-refresh") || "");
          if (!fresh.getAttribute("data-refresh")) {
            var note = box.querySelector("p.muted");
            if (note && note.parentNode === box) {
              note.remove();
            }
          }
          check();
        })
        .catch(function () {
          check();
        });
    }, seconds * 1000);
  }
  check();
})();
