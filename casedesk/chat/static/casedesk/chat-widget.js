// Live chat for customers: in the portal (the session says who), and embedded in the
// provider's public site with
//   <script src="https://DESK/static/casedesk/chat-widget.js" data-server="https://DESK" defer></script>
// (a visitor types name, e-mail and organisation; a site whose user is logged in adds
// data-user="their e-mail" data-issued="unix time" data-signature="HMAC-SHA256 of user.issued").
//
// Nothing lost or doubled: each message has a key kept until the server acknowledges it
// with the message's id; on reconnect the widget asks for everything after the last id it
// saw, sends again what was not acknowledged (the server stores a key once), and drops by
// id what it already shows. No inline script or style: the site's CSP holds.
(function () {
  "use strict";
  var me = document.currentScript;
  var server = (me && me.getAttribute("data-server")) || "";
  var portal = !!(me && me.getAttribute("data-portal"));
  var newCase = (me && me.getAttribute("data-new-case")) || "";
  var signed = me && me.getAttribute("data-signature") ? {
    user: me.getAttribute("data-user"), issued: parseInt(me.getAttribute("data-issued"), 10), signature: me.getAttribute("data-signature")
  } : null;
  var base = server ? server.replace(/\/$/, "") : location.protocol + "//" + location.host;
  var wsUrl = base.replace(/^http/, "ws") + "/ws/chat/";
  var STORE = "casedesk-chat";

  if (server) {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = base + "/static/casedesk/chat-widget.css";
    document.head.appendChild(css);
  }

  function load() { try { return JSON.parse(sessionStorage.getItem(STORE)) || {}; } catch (e) { return {}; } }
  var saved = load();
  // A page load shows nothing yet, so it asks for the chat from the start; within the page
  // a reconnect asks only for what came after the last id shown.
  var state = { chat: saved.chat || 0, token: saved.token || "", lastId: 0, pending: saved.pending || [] };
  function keep() { try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode: this page only */ } }

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

  // -- the frame: a button, and a panel with a body that changes with the stage ----------
  var root = el("div", "cdchat");
  var toggle = el("button", "cdchat-toggle", "Chat with us");
  toggle.type = "button";
  toggle.setAttribute("aria-expanded", "false");
  var panel = el("section", "cdchat-panel");
  panel.hidden = true;
  panel.setAttribute("aria-label", "Live chat");
  var head = el("div", "cdchat-head");
  head.appendChild(el("strong", "", "Live chat"));
  var close = el("button", "cdchat-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Close the chat window");
  head.appendChild(close);
  var body = el("div", "cdchat-body");
  var log = el("div", "cdchat-log");
  log.setAttribute("aria-live", "polite");
  var note = el("p", "cdchat-note");
  note.setAttribute("aria-live", "polite");
  panel.appendChild(head);
  panel.appendChild(body);
  root.appendChild(panel);
  root.appendChild(toggle);
  (document.body || document.documentElement).appendChild(root);

  var socket = null, delay = 500, hours = null, chatState = "", typingSent = 0, typingTimer = null, resuming = false, offerTimer = null;
  var composer = null, input = null;

  function open(show) {
    panel.hidden = !show;
    toggle.setAttribute("aria-expanded", show ? "true" : "false");
    toggle.hidden = show;
    if (show && !socket) connect();
  }
  toggle.addEventListener("click", function () { open(true); });
  close.addEventListener("click", function () { open(false); });

  function field(form, name, label, type) {
    var l = el("label", "cdchat-field", label);
    var i = el(type === "textarea" ? "textarea" : "input");
    i.name = name;
    if (type && type !== "textarea") i.type = type;
    i.required = true;
    i.maxLength = type === "textarea" ? 4000 : 200;
    l.appendChild(i);
    form.appendChild(l);
    return i;
  }
  function visitorFields(form) {
    if (portal || signed) return function () { return {}; };
    var n = field(form, "name", "Your name"), e = field(form, "email", "E-mail", "email"), o = field(form, "organisation", "Organisation");
    return function () { return { visitor: { name: n.value, email: e.value, organisation: o.value } }; };
  }
  function identity(frame) { if (signed) frame.identity = signed; return frame; }

  function showStart() {
    body.replaceChildren();
    var form = el("form", "cdchat-form");
    if (hours.open) {
      form.appendChild(el("p", "", "A technician answers at once. For anything urgent, chat or call."));
      var who = visitorFields(form);
      var submit = el("button", "", "Start chat");
      form.appendChild(submit);
      form.addEventListener("submit", function (ev) { ev.preventDefault(); send(identity(Object.assign({ type: "start" }, who()))); });
    } else {
      form.appendChild(el("p", "cdchat-closed", "Chat is closed now. It opens " + hours.opens + "."));
      if (newCase) { var a = el("a", "cdchat-link", "Open a case instead"); a.href = newCase; form.appendChild(a); }
      form.appendChild(el("p", "", "Or leave a message: a technician answers it by e-mail."));
      var who2 = visitorFields(form);
      var msg = field(form, "message", "Your message", "textarea");
      form.appendChild(el("button", "", "Leave a message"));
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        send(identity(Object.assign({ type: "start", message: msg.value }, who2())));
      });
    }
    body.appendChild(form);
    body.appendChild(note);
  }

  function showChat() {
    if (composer) return;
    body.replaceChildren(log, note);
    composer = el("form", "cdchat-compose");
    input = el("textarea");
    input.name = "body";
    input.rows = 2;
    input.maxLength = 4000;
    input.setAttribute("aria-label", "Message");
    input.placeholder = "Type a message";
    var sendButton = el("button", "", "Send");
    composer.appendChild(input);
    composer.appendChild(sendButton);
    var attach = el("label", "cdchat-attach", "Send a file");
    var picker = el("input");
    picker.type = "file";
    picker.className = "cdchat-file";
    attach.appendChild(picker);
    picker.addEventListener("change", function () {
      if (!picker.files.length) return;
      var form = new FormData();
      form.append("chat", state.chat);
      form.append("token", state.token);
      form.append("key", key());
      form.append("file", picker.files[0]);
      var before = note.textContent;
      note.textContent = "Sending " + picker.files[0].name + "…";
      // The stored message comes back over the socket like any other.
      fetch(base + "/chat/upload/", { method: "POST", body: form, credentials: "omit" })
        .then(function (r) { return r.json(); })
        .then(function (answer) { note.textContent = answer.detail || before; })
        .catch(function () { note.textContent = "The file could not be sent; please try again."; });
      picker.value = "";
    });
    composer.appendChild(attach);
    var end = el("button", "cdchat-end", "End chat");
    end.type = "button";
    end.addEventListener("click", function () { send({ type: "end" }); });
    composer.appendChild(end);
    composer.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      var m = { key: key(), body: text };
      state.pending.push(m);
      keep();
      input.value = "";
      showPending(m);
      send({ type: "send", key: m.key, body: m.body });
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); composer.requestSubmit(); }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - typingSent > 2000) { typingSent = now; send({ type: "typing" }); }
    });
    body.appendChild(composer);
    state.pending.forEach(showPending);
  }

  function line(side, who, text, id, k) {
    var row = el("div", "cdchat-line cdchat-" + side);
    if (id) row.setAttribute("data-id", id);
    if (k) row.setAttribute("data-key", k);
    if (side !== "system") row.appendChild(el("span", "cdchat-who", who));
    row.appendChild(el("div", "cdchat-text", text));
    return row;
  }
  function fileLink(row, m) {
    if (!m.file) return;
    var a = el("a", "cdchat-link", "Download " + m.file);
    a.href = base + "/chat/files/" + m.id + "/?token=" + encodeURIComponent(state.token);
    row.appendChild(a);
  }
  function showPending(m) {
    if (log.querySelector('[data-key="' + m.key + '"]')) return;
    var row = line("customer", "You", m.body, 0, m.key);
    row.classList.add("cdchat-sending");
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }
  function addMessage(m) {
    if (m.id > state.lastId) { state.lastId = m.id; keep(); }
    if (log.querySelector('[data-id="' + m.id + '"]')) return;  // seen already
    var mine = log.querySelector('[data-key="' + m.key + '"]');
    if (mine) mine.remove();
    var row = line(m.side, m.side === "customer" ? "You" : m.author, m.body, m.id, m.key);
    fileLink(row, m);
    // In the server's order (by id), whatever order the frames came in; unsent ones last.
    var after = Array.prototype.find.call(log.children, function (other) {
      var id = parseInt(other.getAttribute("data-id") || "0", 10);
      return !id || id > m.id;
    });
    log.insertBefore(row, after || null);
    log.scrollTop = log.scrollHeight;
    if (m.side !== "customer" && !panel.hidden && !document.hidden) send({ type: "read", upto: m.id });
  }
  function acked(k, id) {
    state.pending = state.pending.filter(function (m) { return m.key !== k; });
    keep();
    var row = log.querySelector('[data-key="' + k + '"]');
    if (row) { row.classList.remove("cdchat-sending"); if (!row.getAttribute("data-id")) row.setAttribute("data-id", id); }
  }

  function showRating() {
    if (body.querySelector(".cdchat-rate")) return;
    if (composer) { composer.remove(); composer = null; }
    var box = el("div", "cdchat-rate");
    box.appendChild(el("p", "", "How did we do?"));
    [1, 2, 3, 4, 5].forEach(function (n) {
      var b = el("button", "", String(n));
      b.type = "button";
      b.setAttribute("aria-label", n + " out of 5");
      b.addEventListener("click", function () { send({ type: "rate", score: n }); box.replaceChildren(el("p", "", "Thank you for rating the chat.")); });
      box.appendChild(b);
    });
    body.appendChild(box);
    var again = el("button", "secondary", "Start a new chat");
    again.type = "button";
    again.addEventListener("click", function () { state = { chat: 0, token: "", lastId: 0, pending: [] }; keep(); log.replaceChildren(); showStart(); });
    body.appendChild(again);
  }

  var handlers = {
    hours: function (f) {
      hours = f;
      resuming = !!state.chat;
      if (state.chat) send({ type: "resume", chat: state.chat, token: state.token, after: state.lastId });
      else showStart();
    },
    started: function (f) { state.chat = f.chat; state.token = f.token; keep(); showChat(); },
    history: function (f) { showChat(); f.messages.forEach(addMessage); },
    message: addMessage,
    ack: function (f) { acked(f.key, f.id); },
    state: function (f) {
      chatState = f.state;
      if (f.state === "ended") { showRating(); return; }
      showChat();
      // After a resume: what was never acknowledged goes again, under the same key.
      if (resuming) state.pending.forEach(function (m) { send({ type: "send", key: m.key, body: m.body }); });
      resuming = false;
      note.textContent = f.technician ? "You are chatting with " + f.technician + "." : "Waiting for a technician…";
      clearTimeout(offerTimer);
      if (f.offer_case_in !== null && f.offer_case_in !== undefined) {
        offerTimer = setTimeout(function () {
          note.textContent = "Sorry for the wait. Keep waiting, or close this window: a technician answers by e-mail";
          if (newCase) {
            var c = el("a", "cdchat-link", "open a case");
            c.href = newCase;
            note.appendChild(document.createTextNode(", or "));
            note.appendChild(c);
          }
          note.appendChild(document.createTextNode("."));
        }, f.offer_case_in * 1000);
      }
      if (f.case && portal) {
        var a = el("a", "cdchat-link", "See case " + f.case + " in the portal");
        a.href = "/portal/cases/" + f.case + "/";
        note.appendChild(document.createTextNode(" "));
        note.appendChild(a);
      }
    },
    typing: function (f) {
      if (f.side !== "staff") return;
      note.setAttribute("data-before", note.textContent);
      note.textContent = "The technician is typing…";
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { note.textContent = note.getAttribute("data-before") || ""; }, 3000);
    },
    read: function (f) {
      if (f.side !== "staff") return;
      log.querySelectorAll(".cdchat-customer").forEach(function (row) {
        if (parseInt(row.getAttribute("data-id") || "0", 10) <= f.upto) row.classList.add("cdchat-seen");
      });
    },
    error: function (f) {
      if (f["for"] === "resume") { state = { chat: 0, token: "", lastId: 0, pending: state.pending }; keep(); if (hours) showStart(); }
      if (f["for"] === "send" && f.key) acked(f.key, 0);
      note.textContent = f.error;
    }
  };

  function send(frame) {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function connect() {
    socket = new WebSocket(wsUrl);
    socket.addEventListener("open", function () { delay = 500; root.classList.remove("cdchat-offline"); });
    socket.addEventListener("message", function (ev) {
      var frame = JSON.parse(ev.data);
      if (handlers[frame.type]) handlers[frame.type](frame);
    });
    socket.addEventListener("close", function () {
      root.classList.add("cdchat-offline");
      if (chatState !== "ended" || !state.chat) note.textContent = "Reconnecting…";
      socket = null;
      setTimeout(function () { if (!socket) connect(); }, delay);
      delay = Math.min(delay * 2, 10000);
    });
  }
  // The browser knows before the socket does: a dead connection is closed at once, so that
  // what is typed meanwhile waits as unacknowledged and goes on reconnect.
  window.addEventListener("offline", function () { if (socket) socket.close(); });
  window.addEventListener("online", function () {
    if (socket && socket.readyState === 1) return;
    delay = 500;
    if (!socket) connect();
  });
  if (state.chat) open(true);
})();
