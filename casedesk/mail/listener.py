"""An SMTP or LMTP listener (aiosmtpd) for the support addresses, feeding intake.

The message is stored and processed before the server answers 250, so an accepted message
is never lost; if it cannot even be stored the answer is a temporary failure (451) and the
sending server tries again. Recipients other than the support addresses (and their plus
forms) are refused at RCPT time.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import connections

from casedesk.mail import intake

log = logging.getLogger(__name__)


def accepts(address: str) -> bool:
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    base = f"{local.split('+', 1)[0]}@{domain}"
    return base in settings.CASEDESK_SUPPORT_ADDRESSES


def _ingest(raw: bytes, mail_from: str, rcpt_tos: list[str], source: str) -> intake.Result:
    try:
        return intake.ingest(raw, source=source, envelope_from=mail_from or "", envelope_to=rcpt_tos)
    finally:
        connections.close_all()  # this worker thread's connections only


class IntakeHandler:
    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp

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
        source = "lmtp" if self.lmtp else "smtp"
        try:
            result = await asyncio.to_thread(
                _ingest, raw, envelope.mail_from, list(envelope.rcpt_tos), source
            )
        except Exception:
            log.exception("storing a message from %s failed", envelope.mail_from)
            status = "451 4.3.0 Temporary failure, please try again"
        else:
            # Stored: whatever the outcome (even a processing error, retried later) it is ours.
            status = f"250 2.0.0 OK {result.outcome}{' ' + result.case if result.case else ''}"
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

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)
