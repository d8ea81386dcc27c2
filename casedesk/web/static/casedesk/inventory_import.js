// The import page's progress bar: polls the job's progress (JSON) while it runs and reloads
// the page once, when it has finished, to show the preview or the result.
(function () {
  var box = document.getElementById("import-progress");
  if (!box || box.getAttribute("data-running") !== "1") return;
  var bar = box.querySelector("progress"), text = box.querySelector(".progress-text");
  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.value = p.percent;
        text.textContent = p.text || (p.running ? p.done + " of " + p.total + " rows" : p.total + " rows read");
        if (p.running) { setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
