"""An SMTP or LMTP listener (aiosmtpd) for the support addresses, feeding intake.

The message is stored and processed before the server answers 250, so an accepted message
is never lost; if it cannot even be stored the answer is a temporary failure (451) and the
sending server tries again. Messages arriving together are taken in together (group
commit), so a burst over many connections costs one batch, not one transaction each.
Recipients other than the support addresses (and their plus forms) are refused at RCPT
time.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import connections

from casedesk.mail import batch, intake

log = logging.getLogger(__name__)


def accepts(address: str) -> bool:
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    base = f"{local.split('+', 1)[0]}@{domain}"
    return base in settings.CASEDESK_SUPPORT_ADDRESSES or base in settings.CASEDESK_MACD_ADDRESSES


@dataclass
class _Waiting:
    raw: bytes
    mail_from: str
    rcpt_tos: list[str]
    answer: asyncio.Future[intake.Result]


def _ingest(waiting: list[_Waiting], source: str) -> list[intake.Result]:
    """In the listener's one intake thread, which keeps its database connection between
    groups (closed only after a failure, so the next group starts on a fresh one)."""
    try:
        return batch.ingest_many(
            [w.raw for w in waiting],
            source=source,
            batch=len(waiting),
            envelopes=[(w.mail_from, w.rcpt_tos) for w in waiting],
        )
    except BaseException:
        connections.close_all()
        raise


class GroupIntake:
    """Group commit for the listener: the messages whose DATA ends while an earlier group is
    being taken in wait together and go in as the next group (`batch.ingest_many`), each
    answered once its group is stored and processed. One message on its own goes at once."""

    def __init__(self, source: str, most: int = 50) -> None:
        self.source = source
        self.most = most
        self._queue: asyncio.Queue[_Waiting] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="mail-intake")

    async def ingest(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> intake.Result:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._worker = asyncio.get_running_loop().create_task(self._run())
        answer: asyncio.Future[intake.Result] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Waiting(raw, mail_from, rcpt_tos, answer))
        return await answer

    def close(self) -> None:
        """Close the intake thread's database connection and end the thread."""
        self._thread.submit(connections.close_all).result(timeout=60)
        self._thread.shutdown(wait=True)

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            group = [await self._queue.get()]
            while len(group) < self.most and not self._queue.empty():
                group.append(self._queue.get_nowait())
            try:
                loop = asyncio.get_running_loop()
                results = await loop.run_in_executor(self._thread, _ingest, group, self.source)
            except Exception as exc:  # not even stored: every sender is told to try again
                for waiting in group:
                    waiting.answer.set_exception(exc)
            else:
                for waiting, result in zip(group, results, strict=True):
                    waiting.answer.set_result(result)


class IntakeHandler:
    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp
        self.intake = GroupIntake("lmtp" if lmtp else "smtp")

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
        try:
            result = await self.intake.ingest(raw, envelope.mail_from or "", list(envelope.rcpt_tos))
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

    def stop(self, *args: Any, **kwargs: Any) -> None:
        super().stop(*args, **kwargs)
        self.handler.intake.close()

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)
