// The master case's next public update: seconds left, kept current without a reload.
(function () {
  var el = document.querySelector("[data-testid=countdown]");
  if (!el) return;
  var left = parseInt(el.dataset.seconds, 10);
  function tick() {
    if (left < 0) {
      el.textContent = "overdue by " + Math.floor(-left / 60) + " min";
      el.classList.add("late");
    } else {
      el.textContent = Math.floor(left / 60) + " min " + (left % 60) + " s";
    }
    left -= 1;
  }
  tick();
  setInterval(tick, 1000);
})();
