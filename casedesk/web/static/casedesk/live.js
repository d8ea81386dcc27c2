// Parts of a page marked data-live-url are fetched again every few seconds (ETag: 304 while
// unchanged) and replaced: a MACD request's status, approvals, time and fee in real time.
// The page works without this file; it then shows what was true when it loaded.
(function () {
  "use strict";
  document.querySelectorAll("[data-live-url]").forEach(function (region) {
    var url = region.getAttribute("data-live-url"), etag = null;
    var every = parseInt(region.getAttribute("data-refresh-seconds") || "15", 10) * 1000;
    setInterval(function () {
      if (document.hidden) return;
      fetch(url, { headers: etag ? { "If-None-Match": etag } : {}, credentials: "same-origin" })
        .then(function (response) {
          if (response.status !== 200) return null;
          etag = response.headers.get("ETag");
          return response.text();
        })
        .then(function (html) { if (html) region.innerHTML = html; })
        .catch(function () {});
    }, every);
  });
})();
