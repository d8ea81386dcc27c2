"""Poll an IMAP mailbox into intake, a batch of messages at a time. A message is moved (or
flagged) only after intake has committed its outcome; one that failed to process stays
where it is, and its stored copy is retried (a later poll finds it again and intake
resumes it)."""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
from dataclasses import dataclass

from django.conf import settings

from casedesk.mail import intake
from casedesk.mail.batch import ingest_many

log = logging.getLogger(__name__)
DONE_KEYWORD = "$Casedesk"


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    done_folder: str = ""
    ssl: bool = True

    @classmethod
    def from_settings(cls) -> Mailbox:
        return cls(
            host=settings.CASEDESK_IMAP_HOST,
            port=settings.CASEDESK_IMAP_PORT,
            user=settings.CASEDESK_IMAP_USER,
            password=settings.CASEDESK_IMAP_PASSWORD,
            folder=settings.CASEDESK_IMAP_FOLDER,
            done_folder=settings.CASEDESK_IMAP_DONE_FOLDER,
            ssl=settings.CASEDESK_IMAP_SSL,
        )


def _ok(response: tuple[str, list]) -> list:
    typ, data = response
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{typ} {data!r}")
    return data


def poll_once(box: Mailbox, limit: int = 500, batch: int = 50) -> list[intake.Result]:
    """Fetch the messages not yet taken in, `batch` at a time; ingest each batch together
    (`batch.ingest_many`), then move or flag the messages whose outcome it committed."""
    results: list[intake.Result] = []
    client = imaplib.IMAP4_SSL(box.host, box.port) if box.ssl else imaplib.IMAP4(box.host, box.port)
    try:
        _ok(client.login(box.user, box.password))
        if box.done_folder:
            client.create(box.done_folder)  # fails harmlessly when it exists
        _ok(client.select(_quote(box.folder)))
        capabilities = set(client.capabilities)
        uids = _ok(client.uid("SEARCH", "UNDELETED", "UNKEYWORD", DONE_KEYWORD))[0].split()[:limit]
        for start in range(0, len(uids), batch):
            fetched = _fetch(client, uids[start : start + batch])
            taken = ingest_many([raw for _, raw in fetched], source="imap", batch=batch)
            results.extend(taken)
            outcomes = zip(fetched, taken, strict=True)
            done = [uid for (uid, _), result in outcomes if result.outcome != "pending"]
            if done:  # committed: take them out of the way (a pending one stays in place)
                _done(client, box, capabilities, b",".join(done))
        if box.done_folder and "MOVE" not in capabilities:
            client.expunge()
        client.logout()
    finally:
        with contextlib.suppress(OSError):
            client.shutdown()
    return results


UID_RE = re.compile(rb"\bUID (\d+)")


def _fetch(client: imaplib.IMAP4, uids: list[bytes]) -> list[tuple[bytes, bytes]]:
    """The raw messages of `uids`, with one FETCH, in the order asked."""
    data = _ok(client.uid("FETCH", b",".join(uids).decode(), "(UID BODY.PEEK[])"))
    by_uid: dict[bytes, bytes] = {}
    for part in data:
        if isinstance(part, tuple):
            match = UID_RE.search(part[0])
            if match:
                by_uid[match.group(1)] = part[1]
    return [(uid, by_uid[uid]) for uid in uids if uid in by_uid]


def _done(client: imaplib.IMAP4, box: Mailbox, capabilities: set[str], uids: bytes) -> None:
    if box.done_folder:
        if "MOVE" in capabilities:
            _ok(client.uid("MOVE", uids.decode(), _quote(box.done_folder)))
        else:
            _ok(client.uid("COPY", uids.decode(), _quote(box.done_folder)))
            _ok(client.uid("STORE", uids.decode(), "+FLAGS.SILENT", r"(\Deleted)"))
    else:
        _ok(client.uid("STORE", uids.decode(), "+FLAGS.SILENT", rf"(\Seen {DONE_KEYWORD})"))


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
