// While a customer writes a new case, the best matching Solutions Center articles appear
// beside the form (debounced; nothing is sent for fewer than 4 letters). The server
// escapes titles and fragments and marks the matched words; links carry the form's token
// so that opening one counts towards a deflection. Without this script the form's
// "Check the Solutions Center first" button lists the same articles.
(function () {
  "use strict";
  var form = document.getElementById("new-case");
  var panel = document.getElementById("suggestions");
  var list = document.getElementById("suggested-list");
  if (!form || !panel || !list) return;
  var url = form.getAttribute("data-suggest-url");
  var timer = null;
  var last = "";
  var seq = 0;

  function text() {
    var title = form.elements.namedItem("title");
    var description = form.elements.namedItem("description");
    return ((title && title.value) || "") + " " + ((description && description.value) || "");
  }

  function show(hits) {
    while (list.firstChild) list.removeChild(list.firstChild);
    hits.forEach(function (hit) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = hit.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.innerHTML = hit.title; // escaped by the server; only its <mark> tags are markup
      item.appendChild(link);
      if (hit.snippet) {
        var p = document.createElement("p");
        p.className = "hit-snippet";
        p.innerHTML = hit.snippet;
        item.appendChild(p);
      }
      list.appendChild(item);
    });
    panel.hidden = hits.length === 0;
  }

  function ask() {
    var q = text().trim();
    if (q === last) return;
    last = q;
    if (q.replace(/\W/g, "").length < 4) { show([]); return; }
    var body = new FormData();
    body.append("q", q);
    body.append("token", form.elements.namedItem("token").value);
    body.append("csrfmiddlewaretoken", form.elements.namedItem("csrfmiddlewaretoken").value);
    var mine = ++seq;
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
      .then(function (data) { if (mine === seq) show(data.hits || []); })
      .catch(function () {});
  }

  form.addEventListener("input", function (event) {
    var name = event.target && event.target.name;
    if (name !== "title" && name !== "description") return;
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
})();
