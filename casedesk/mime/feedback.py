"""Complaints and provider notifications: reports that say a recipient will not (or can
not) take our mail, in the forms that are not RFC 3464 delivery reports.

- ARF feedback reports (RFC 5965): `multipart/report; report-type=feedback-report`, with a
  `message/feedback-report` part, sent by mailbox providers when a user marks mail as spam;
  and the older Hotmail/Outlook form (the reported message attached to a "complaint about
  message" mail) that predates the RFC.
- JSON notifications of sending services: Amazon SES (direct or wrapped in an SNS
  envelope, `notificationType`/`eventType` Bounce or Complaint), SendGrid event lists,
  Mailgun `event-data`, Postmark `RecordType`.
"""

from __future__ import annotations

import email
import json
import re
from dataclasses import dataclass
from email.message import Message
from typing import Any

from casedesk.mime.headers import decoded_text, header_text, normalise_address

MAX_JSON = 1_000_000
EMAIL_RE = re.compile(r"[^\s<>@\"',;]+@[^\s<>@\"',;]+\.[A-Za-z0-9-]+")
COMPLAINT_SUBJECT_RE = re.compile(r"^\s*complaint about message from", re.IGNORECASE)


@dataclass(frozen=True)
class Notice:
    """What a complaint or notification says: its kind ("complaint", "permanent",
    "transient"), the addresses concerned, and the field that says so."""

    kind: str
    addresses: tuple[str, ...]
    detector: str
    evidence: str


def _addresses(values: list[Any]) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        for match in EMAIL_RE.findall(str(value or "")):
            address = normalise_address(match)
            if address and address not in found:
                found.append(address)
    return tuple(found[:20])


def _report_fields(part: Message) -> Message:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    text = payload if isinstance(payload, str) else decoded_text(part)
    return email.message_from_string(text.strip() + "\n\n")


def _reported_recipients(msg: Message) -> list[str]:
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(inner_msg, Message):
                special = header_text(inner_msg, "X-HmXmrOriginalRecipient")
                return [special or header_text(inner_msg, "To")]
        elif ctype in ("text/rfc822-headers", "text/global-headers"):
            inner_msg = email.message_from_string(decoded_text(part).strip() + "\n\n")
            return [header_text(inner_msg, "To")]
    return []


def feedback_report(msg: Message, subject: str) -> Notice | None:
    """An abuse or complaint report (RFC 5965, or Hotmail's older form), or None."""
    report = next((p for p in msg.walk() if p.get_content_type() == "message/feedback-report"), None)
    is_arf = "feedback-report" in str(msg.get_param("report-type") or "").lower()
    if report is not None or (msg.get_content_type() == "multipart/report" and is_arf):
        fields = _report_fields(report) if report is not None else Message()
        kind = (header_text(fields, "Feedback-Type") or "abuse").strip().lower()
        named = [header_text(fields, "Original-Rcpt-To"), header_text(fields, "Removal-Recipient")]
        addresses = _addresses(named) or _addresses(_reported_recipients(msg))
        return Notice("complaint", addresses, "ARF feedback report (RFC 5965)", f"Feedback-Type: {kind}")
    if COMPLAINT_SUBJECT_RE.search(subject or "") and _reported_recipients(msg):
        addresses = _addresses(_reported_recipients(msg))
        return Notice("complaint", addresses, "feedback report (Hotmail form)", f"Subject: {subject}")
    return None


def _ses(data: dict[str, Any]) -> Notice | None:
    what = str(data.get("notificationType") or data.get("eventType") or "")
    if what == "Complaint":
        complaint = data.get("complaint") or {}
        people = [
            r.get("emailAddress") for r in complaint.get("complainedRecipients") or [] if isinstance(r, dict)
        ]
        kind = complaint.get("complaintFeedbackType") or "abuse"
        return Notice(
            "complaint",
            _addresses(people),
            "Amazon SES notification",
            f"notificationType: Complaint ({kind})",
        )
    if what == "Bounce":
        bounce = data.get("bounce") or {}
        people = [r.get("emailAddress") for r in bounce.get("bouncedRecipients") or [] if isinstance(r, dict)]
        sort = str(bounce.get("bounceType") or "")
        kind = "permanent" if sort == "Permanent" else "transient"
        evidence = f"notificationType: Bounce, bounceType: {sort or 'none'}"
        return Notice(kind, _addresses(people), "Amazon SES notification", evidence)
    return None


def _event(data: dict[str, Any]) -> Notice | None:
    inner = data.get("event-data")
    if isinstance(inner, dict):  # Mailgun
        event, severity = str(inner.get("event") or ""), str(inner.get("severity") or "")
        people = [inner.get("recipient")]
        if event == "complained":
            return Notice("complaint", _addresses(people), "Mailgun event", "event: complained")
        if event == "failed":
            kind = "transient" if severity == "temporary" else "permanent"
            return Notice(kind, _addresses(people), "Mailgun event", f"event: failed, severity: {severity}")
    record = str(data.get("RecordType") or "")
    if record in ("Bounce", "SpamComplaint"):  # Postmark
        sort = str(data.get("Type") or "")
        if record == "SpamComplaint" or sort == "SpamComplaint":
            return Notice(
                "complaint", _addresses([data.get("Email")]), "Postmark webhook", f"RecordType: {record}"
            )
        kind = (
            "permanent" if sort in ("HardBounce", "BadEmailAddress", "ManuallyDeactivated") else "transient"
        )
        return Notice(kind, _addresses([data.get("Email")]), "Postmark webhook", f"Type: {sort}")
    event = str(data.get("event") or "")
    if event in ("bounce", "dropped", "spamreport", "deferred", "blocked"):  # SendGrid
        people = [data.get("email")]
        if event == "spamreport":
            return Notice("complaint", _addresses(people), "SendGrid event", "event: spamreport")
        kind = "transient" if event in ("deferred", "blocked") else "permanent"
        return Notice(kind, _addresses(people), "SendGrid event", f"event: {event}")
    return None


def _notice_of(data: Any, depth: int = 0) -> Notice | None:
    if isinstance(data, list):
        for item in data[:100]:
            found = _notice_of(item, depth + 1)
            if found is not None:
                return found
        return None
    if not isinstance(data, dict) or depth > 3:
        return None
    if data.get("Type") == "Notification" and isinstance(data.get("Message"), str):  # an SNS envelope
        try:
            return _notice_of(json.loads(data["Message"][:MAX_JSON]), depth + 1)
        except ValueError:
            return None
    return _ses(data) or _event(data)


def json_notification(text: str) -> Notice | None:
    """A sending service's bounce or complaint notification sent as a JSON body, or None."""
    body = text.strip()
    if body[:1] not in ("{", "[") or len(body) > MAX_JSON:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return _notice_of(data)
