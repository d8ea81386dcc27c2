// Live countdowns beside deadlines: the page is server-rendered; this only keeps the
// "in 12 min" / "overdue by 3 min" text current without a reload.
(function () {
  function fmt(ms) {
    var m = Math.round(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), r = m % 60;
    return (d ? d + "d " : "") + (h ? h + "h " : "") + r + " min";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-due")) - now;
      el.textContent = left >= 0 ? "in " + fmt(left) : "overdue by " + fmt(left);
      el.classList.toggle("overdue", left < 0);
    });
  }
  tick();
  setInterval(tick, 30000);
})();
