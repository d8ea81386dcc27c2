"""Poll an IMAP mailbox into intake. A message is moved (or flagged) only after intake has
committed its outcome; one that failed to process stays where it is, and its stored copy
is retried (a later poll finds it again and intake resumes it)."""

from __future__ import annotations

import contextlib
import imaplib
import logging
from dataclasses import dataclass

from django.conf import settings

from casedesk.mail import intake

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


def poll_once(box: Mailbox, limit: int = 500) -> list[intake.Result]:
    """Fetch the messages not yet taken in, ingest each, then move or flag it."""
    results: list[intake.Result] = []
    client = imaplib.IMAP4_SSL(box.host, box.port) if box.ssl else imaplib.IMAP4(box.host, box.port)
    try:
        _ok(client.login(box.user, box.password))
        if box.done_folder:
            client.create(box.done_folder)  # fails harmlessly when it exists
        _ok(client.select(_quote(box.folder)))
        capabilities = set(client.capabilities)
        uids = _ok(client.uid("SEARCH", "UNDELETED", "UNKEYWORD", DONE_KEYWORD))[0].split()[:limit]
        for uid in uids:
            data = _ok(client.uid("FETCH", uid, "(BODY.PEEK[])"))
            raw = next((part[1] for part in data if isinstance(part, tuple)), None)
            if raw is None:
                continue
            result = intake.ingest(raw, source="imap")
            results.append(result)
            if result.outcome == "pending":
                continue  # not committed: leave it in place
            if box.done_folder:
                if "MOVE" in capabilities:
                    _ok(client.uid("MOVE", uid, _quote(box.done_folder)))
                else:
                    _ok(client.uid("COPY", uid, _quote(box.done_folder)))
                    _ok(client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"))
            else:
                _ok(client.uid("STORE", uid, "+FLAGS.SILENT", rf"(\Seen {DONE_KEYWORD})"))
        if box.done_folder and "MOVE" not in capabilities:
            client.expunge()
        client.logout()
    finally:
        with contextlib.suppress(OSError):
            client.shutdown()
    return results


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
