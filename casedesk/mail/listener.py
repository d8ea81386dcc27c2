"""An SMTP or LMTP listener (aiosmtpd) for the support addresses, feeding intake.

The server answers 250 once the message is stored and committed (`stream`), so an accepted
message is never lost; if it cannot even be stored the answer is a temporary failure (451)
and the sending server tries again. The stored messages are processed after the answer, in
groups (`stream.Stream`), so that a burst over many connections, or one connection sending
one message after another, costs a batch rather than a transaction each. Recipients other
than the support addresses (and their plus forms) are refused at RCPT time.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings

from casedesk.mail.stream import Stream

log = logging.getLogger(__name__)


def accepts(address: str) -> bool:
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    base = f"{local.split('+', 1)[0]}@{domain}"
    return base in settings.CASEDESK_SUPPORT_ADDRESSES or base in settings.CASEDESK_MACD_ADDRESSES


class IntakeHandler:
    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp
        self.intake = Stream("lmtp" if lmtp else "smtp")

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if not accepts(address):
            return "550 5.1.1 No such mailbox here"
        if len(envelope.rcpt_tos) >= 50:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        ticket = self.intake.submit(raw, envelope.mail_from or "", list(envelope.rcpt_tos))
        try:
            stored = await asyncio.wrap_future(ticket.stored)
        except Exception:
            log.exception("storing a message from %s failed", envelope.mail_from)
            status = "451 4.3.0 Temporary failure, please try again"
        else:
            # Stored: whatever its processing does (even fail, to be retried) it is ours.
            again = " (received before)" if stored.again else ""
            status = f"250 2.0.0 OK queued as {stored.inbound_id}{again}"
        if self.lmtp:
            return "\r\n".join([status] * max(1, len(envelope.rcpt_tos)))
        return status


class IntakeController(Controller):
    def __init__(self, *, host: str, port: int, lmtp: bool = False) -> None:
        self.lmtp = lmtp
        super().__init__(
            IntakeHandler(lmtp=lmtp),
            hostname=host,
            port=port,
            data_size_limit=settings.CASEDESK_MAIL_MAX_BYTES,
            decode_data=False,
        )

    def start(self) -> None:
        self.handler.intake.start()
        try:
            super().start()
        except BaseException:
            self.handler.intake.close()
            raise

    def stop(self, *args: Any, **kwargs: Any) -> None:
        super().stop(*args, **kwargs)
        self.handler.intake.close()  # what is stored is processed first

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)
