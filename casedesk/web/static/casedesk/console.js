// The console's progressive enhancements. Every page works without this file: all form
// fields show, confirmations are the server's, and queues refresh on reload.
(function () {
  "use strict";

  // A select marked data-controls shows, within its form, only the fields whose
  // data-when lists the chosen value (the status form, the bulk bar).
  function showFor(select) {
    var form = select.form;
    if (!form) return;
    form.querySelectorAll("[data-when]").forEach(function (el) {
      var wanted = el.getAttribute("data-when").split(" ").indexOf(select.value) >= 0;
      el.hidden = !wanted;
      el.querySelectorAll("input, select, textarea").forEach(function (f) { f.disabled = !wanted; });
      if (el.matches("input, select, textarea")) el.disabled = !wanted;
    });
  }
  document.querySelectorAll("select[data-controls]").forEach(function (select) {
    showFor(select);
    select.addEventListener("change", function () { showFor(select); });
  });

  // Destructive actions ask first: a form (or its pressed button) carrying data-confirm.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) event.preventDefault();
  }, true);

  // Saved replies: the chosen one goes into the reply box at the cursor.
  document.querySelectorAll("[data-saved-replies]").forEach(function (picker) {
    var select = picker.querySelector("select");
    var box = document.getElementById(picker.getAttribute("data-saved-replies"));
    var button = picker.querySelector("button");
    if (!select || !box || !button) return;
    button.addEventListener("click", function (event) {
      var tpl = document.getElementById("saved-reply-" + select.value);
      if (!tpl) return;
      event.preventDefault();
      var text = tpl.content.textContent, at = box.selectionStart || box.value.length;
      box.value = box.value.slice(0, at) + text + box.value.slice(box.selectionEnd || at);
      box.focus();
    });
  });

  // On a phone the queue's filters fold away until asked for, unless some are set.
  document.querySelectorAll("details[data-fold-narrow]").forEach(function (panel) {
    if (!panel.hasAttribute("data-filtered") && window.matchMedia("(max-width: 720px)").matches) panel.open = false;
  });

  // Type-ahead for a text field carrying data-suggest (the organisation filter): what is
  // typed is looked up after a short pause and offered in the field's datalist. Without
  // this the field still takes a name or an account number.
  document.querySelectorAll("input[data-suggest][list]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-suggest"), timer = null, asked = "";
    if (!list || !url) return;
    function fill(found) {
      while (list.firstChild) list.removeChild(list.firstChild);
      found.forEach(function (org) {
        var option = document.createElement("option");
        option.value = org.name;
        option.label = org.account_number + (org.active ? "" : " (inactive)");
        list.appendChild(option);
      });
      input.dispatchEvent(new CustomEvent("suggestions", { bubbles: true }));
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var term = input.value.trim();
      if (term.length < 2 || term === asked) return;
      timer = setTimeout(function () {
        asked = term;
        fetch(url + "?q=" + encodeURIComponent(term), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { organisations: [] }; })
          .then(function (data) { if (input.value.trim() === term) fill(data.organisations || []); })
          .catch(function () {});
      }, 200);
    });
  });

  // Queues: select all shown, and the rows refreshed when cases change (ETag, 304 while
  // nothing did), keeping what the agent has ticked.
  var table = document.querySelector("table[data-rows-url]");
  if (!table) return;
  var all = table.querySelector("[data-select-all]");
  if (all) all.addEventListener("change", function () {
    table.querySelectorAll("tbody input[name=cases]").forEach(function (box) { box.checked = all.checked; });
  });
  var etag = table.getAttribute("data-etag"), url = table.getAttribute("data-rows-url");
  function refresh() {
    if (document.hidden) return;
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, credentials: "same-origin" }).then(function (response) {
      if (response.status !== 200) return null;
      etag = response.headers.get("ETag");
      return response.text();
    }).then(function (html) {
      if (html === null || html === undefined) return;
      var body = table.querySelector("tbody");
      var ticked = {};
      body.querySelectorAll("input[name=cases]:checked").forEach(function (box) { ticked[box.value] = true; });
      var fresh = document.createElement("tbody");
      fresh.id = body.id;
      fresh.innerHTML = html;
      fresh.querySelectorAll("input[name=cases]").forEach(function (box) { box.checked = !!ticked[box.value]; });
      body.replaceWith(fresh);
      table.dispatchEvent(new CustomEvent("rows-refreshed", { bubbles: true }));
    }).catch(function () {});
  }
  var every = parseInt(table.getAttribute("data-refresh-seconds") || "20", 10) * 1000;
  setInterval(refresh, every);
})();
