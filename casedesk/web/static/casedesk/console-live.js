// The console's live connection (/ws/console/): calls popped on the screen of the agent who
// takes them, chats transferred to them, the chat queue kept current, and on a chat's page
// its messages, typing and read receipts. Every page works without it, as plain forms.
(function () {
  "use strict";
  var pops = document.getElementById("screen-pops");
  var log = document.getElementById("chat-log");
  var chatId = log ? parseInt(log.getAttribute("data-chat"), 10) : 0;
  var lastId = log ? parseInt(log.getAttribute("data-last-id") || "0", 10) : 0;
  var status = document.getElementById("chat-status");
  var form = document.getElementById("chat-reply");
  var input = document.getElementById("chat-input");
  var socket = null, delay = 500, typingSent = 0, typingTimer = null, opened = false, failures = 0;

  function key() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pop(title, lines, link, linkText) {
    if (!pops) return;
    var box = el("div", "screen-pop card");
    box.setAttribute("role", "alert");
    box.appendChild(el("strong", "", title));
    lines.forEach(function (line) { if (line) box.appendChild(el("div", "", line)); });
    if (link) { var a = el("a", "", linkText); a.href = link; box.appendChild(a); }
    var close = el("button", "secondary", "Dismiss");
    close.type = "button";
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(close);
    pops.appendChild(box);
  }

  function addMessage(m) {
    if (!log || m.chat !== chatId) return;
    if (log.querySelector('[data-id="' + m.id + '"]')) return;  // seen already: dropped by id
    var line = el("div", "chat-line chat-" + m.side);
    line.setAttribute("data-id", m.id);
    line.appendChild(el("span", "chat-who", m.author));
    line.appendChild(document.createTextNode(" "));
    line.appendChild(el("span", "muted small", new Date(m.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
    line.appendChild(el("div", "chat-body", m.body));
    if (m.file) {
      var file = el("div", "small", "file: ");
      var link = el("a", "", m.file);
      link.href = "/chat/files/" + m.id + "/";
      file.appendChild(link);
      line.appendChild(file);
    }
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
    if (m.id > lastId) lastId = m.id;
    if (m.side === "customer" && !document.hidden) send({ type: "read", chat: chatId, upto: m.id });
  }

  function refreshQueue() {
    var region = document.getElementById("chat-queue");
    if (!region) return;
    fetch(location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("chat-queue");
      if (fresh) region.replaceChildren.apply(region, Array.prototype.slice.call(fresh.childNodes));
    }).catch(function () {});
  }

  function say(text) { if (status) status.textContent = text; }

  function send(frame) {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify(frame)); return true; }
    return false;
  }

  var handlers = {
    call: function (f) {
      var cases = (f.cases || []).map(function (c) { return c.number + " " + c.priority + " " + c.title; });
      pop("Call from " + f.number, [f.contact ? f.contact + " · " + f.organisation + (f.mpoc ? " (MPOC)" : "") : "Unknown caller"].concat(cases),
        "/console/calls/new/?number=" + encodeURIComponent(f.number), "Log this call");
    },
    transfer: function (f) { pop(f.from + " transferred a chat to you", [f.note], "/console/chats/" + f.chat + "/", "Open the chat"); },
    queue: refreshQueue,
    history: function (f) { f.messages.forEach(addMessage); },
    message: addMessage,
    typing: function (f) {
      if (f.chat !== chatId || f.side !== "customer") return;
      say("The customer is typing…");
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { say(""); }, 3000);
    },
    read: function (f) { if (f.chat === chatId && f.side === "customer") say("Seen by the customer."); },
    state: function (f) {
      var label = document.querySelector('[data-testid="chat-state"]');
      if (label && f.chat === chatId) label.textContent = f.state.charAt(0).toUpperCase() + f.state.slice(1);
    },
    ack: function () { if (input) { input.value = ""; form.querySelector('[name="key"]').value = key(); } },
    error: function (f) { say(f.error); }
  };

  function connect() {
    socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/console/");
    socket.addEventListener("open", function () {
      delay = 500;
      opened = true;
      if (chatId) send({ type: "watch", chat: chatId, after: lastId });
    });
    socket.addEventListener("message", function (event) {
      var frame = JSON.parse(event.data);
      if (handlers[frame.type]) handlers[frame.type](frame);
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4403) return;  // not signed in as staff: nothing to retry
      // A server that never took the socket (one without WebSockets): the pages work anyway.
      if (!opened && ++failures >= 5) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }

  if (form && input) {
    var saved = document.getElementById("saved-reply");
    if (saved) saved.addEventListener("change", function () { if (saved.value) { input.value = saved.value; input.focus(); } });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - typingSent > 2000) { typingSent = now; send({ type: "typing", chat: chatId }); }
    });
    form.addEventListener("submit", function (event) {
      var file = form.querySelector('[type="file"]');
      if (file && file.files.length) return;  // a file goes with the form itself
      if (send({ type: "send", chat: chatId, key: form.querySelector('[name="key"]').value, body: input.value })) event.preventDefault();
    });
  }
  connect();
})();
