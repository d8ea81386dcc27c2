// On the console's case page: find a Solutions Center article the customer can open and
// put a link to it into the reply at the cursor. Hidden without scripts (the reply box
// still takes a pasted link).
(function () {
  "use strict";
  var box = document.querySelector("[data-kb-insert]");
  if (!box) return;
  var reply = document.getElementById(box.getAttribute("data-kb-insert"));
  var input = document.getElementById("kb-insert-q");
  var list = document.getElementById("kb-insert-hits");
  var url = box.getAttribute("data-suggest-url");
  if (!reply || !input || !list) return;
  box.hidden = false;
  var timer = null;
  var seq = 0;

  function insert(hit) {
    var text = hit.plain_title + ": " + hit.link;
    var start = reply.selectionStart || 0;
    var end = reply.selectionEnd || 0;
    var before = reply.value.slice(0, start);
    var pad = before && !/\s$/.test(before) ? "\n" : "";
    reply.value = before + pad + text + "\n" + reply.value.slice(end);
    reply.focus();
    var at = (before + pad + text + "\n").length;
    reply.setSelectionRange(at, at);
  }

  function show(hits) {
    while (list.firstChild) list.removeChild(list.firstChild);
    hits.forEach(function (hit) {
      var item = document.createElement("li");
      var title = document.createElement("span");
      title.textContent = hit.plain_title;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary small";
      button.textContent = "Insert link";
      button.addEventListener("click", function () { insert(hit); });
      item.appendChild(title);
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 3) { show([]); return; }
      var mine = ++seq;
      fetch(url + "?for=customers&q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
        .then(function (data) { if (mine === seq) show(data.hits || []); })
        .catch(function () {});
    }, 250);
  });
  // Enter in the search box must not send the reply.
  input.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
})();
