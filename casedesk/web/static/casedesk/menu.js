// The top bar's menu on a phone: a disclosure button. Without this script the links stay
// shown (stacked), so nothing depends on it; no inline script, so a strict CSP holds.
(function () {
  var button = document.querySelector(".menu-toggle");
  var panel = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!panel) return;
  document.documentElement.classList.add("has-menu");
  button.hidden = false;
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    panel.classList.toggle("open", open);
  }
  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel.classList.contains("open")) {
      set(false);
      button.focus();
    }
  });
})();
