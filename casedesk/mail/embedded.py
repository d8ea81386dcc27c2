"""The e-mail ways in for the one-process set-up (`make run`): the SMTP listener for the
support addresses, and the IMAP poller when a mailbox is configured. Production runs them
as their own processes (`mail_listener`, `poll_imap --loop`) instead."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connections

from casedesk.mail.imap import Mailbox, poll_once
from casedesk.mail.listener import IntakeController

log = logging.getLogger(__name__)


class EmbeddedMail:
    def __init__(self) -> None:
        self.controller: IntakeController | None = None
        self.stopping = threading.Event()
        self.poller: threading.Thread | None = None

    def start(self) -> list[str]:
        """Start what is configured; returns a line for each way in that runs. A port that
        is taken is reported, not fatal: the web side serves on."""
        running = []
        host, port = settings.CASEDESK_MAIL_LISTEN_HOST, settings.CASEDESK_MAIL_LISTEN_PORT
        if port:
            controller = IntakeController(host=host, port=port)
            try:
                controller.start()
            except Exception as exc:
                log.warning("the SMTP intake could not listen on %s:%s: %s", host, port, exc)
                running.append(f"SMTP intake NOT started on {host}:{port} ({exc})")
            else:
                self.controller = controller
                addresses = ", ".join(settings.CASEDESK_SUPPORT_ADDRESSES)
                running.append(f"SMTP intake for {addresses} on {host}:{port}")
        box = Mailbox.from_settings()
        if box.host:
            self.poller = threading.Thread(target=self._poll, args=(box,), name="imap", daemon=True)
            self.poller.start()
            every = settings.CASEDESK_IMAP_INTERVAL
            running.append(f"IMAP {box.user}@{box.host}:{box.port}/{box.folder} every {every} s")
        return running

    def _poll(self, box: Mailbox) -> None:
        while not self.stopping.is_set():
            close_old_connections()
            try:
                poll_once(box)
            except Exception:  # the mailbox is down or refuses us: try again next time
                log.exception("polling %s@%s failed", box.user, box.host)
            finally:
                close_old_connections()
            self.stopping.wait(settings.CASEDESK_IMAP_INTERVAL)
        connections.close_all()  # this thread's own connection

    def stop(self) -> None:
        self.stopping.set()
        if self.controller is not None:
            self.controller.stop()
        if self.poller is not None:
            self.poller.join(timeout=30)
