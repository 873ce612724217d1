// The batch and mail job pages: poll the job's progress, move the bar, and reload the
// page once the job has ended (the server then shows the download or the problems).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var phase = box.getAttribute("data-phase");
  if (phase === "done" || phase === "failed") { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("job-progress");
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        if (s.total) { bar.max = s.total; bar.value = s.done; }
        box.setAttribute("data-phase", s.phase);
        if (s.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 500);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
})();
