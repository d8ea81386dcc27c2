"""What a decided message becomes: the opening or the comment that `cases.actions` take
for it (many at once), the people it also went to copied on its case, and the effects of
the kinds taken one at a time: a bounce, the answer to a contact who may not open cases, a
reply to a closed case, a MACD request."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import getaddresses
from typing import Any

from django.db import transaction

from casedesk.accounts.models import Contact
from casedesk.cases import actions, notices
from casedesk.cases.models import Case, Channel
from casedesk.core import bulk, clock, mailboxes
from casedesk.core.errors import Forbidden, Refused
from casedesk.core.uploads import Upload, check_upload
from casedesk.macd import actions as macd_actions
from casedesk.mail import decisions, routing
from casedesk.mail.inbound import Result
from casedesk.mail.models import AddressFailure, InboundMessage
from casedesk.mime import parse, recognise
from casedesk.mime.headers import normalise_address
from casedesk.outbox import suppression
from casedesk.outbox.models import MessageLink, OutboundMessage
from casedesk.rules import macd
from casedesk.rules.lifecycle import ReopenOutcome
from casedesk.rules.text import fold

BODY_LIMIT = actions.BODY_MAX - 2000
COPIED_LIMIT = 100  # addresses looked at per message; a case copies far fewer


def origin_of(parsed: parse.ParsedMessage) -> notices.Origin:
    """What the case actions taking a message are told of it: their notices answer it,
    and tell its sender of any attachment not kept, and why."""
    return notices.Origin(parsed.message_id, parsed.sender, parsed.subject, dropped=tuple(_dropped(parsed)))


def _dropped(parsed: parse.ParsedMessage) -> list[str]:
    dropped = []
    for item in parsed.attachments:
        try:
            check_upload(Upload(item.name, item.content, item.content_type))
        except Refused as exc:
            dropped.append(str(exc))
    return dropped


def uploads_of(parsed: parse.ParsedMessage) -> tuple[list[Upload], str]:
    """The attachments to keep, and a note of those left out (and why) for the text."""
    uploads: list[Upload] = []
    notes = list(parsed.notes)
    for item in parsed.attachments:
        upload = Upload(item.name, item.content, item.content_type)
        try:
            check_upload(upload)
        except Refused as exc:
            notes.append(f"Attachment not kept: {exc}")
            continue
        uploads.append(upload)
    note = ("\n\n" + "\n".join(f"[{n}]" for n in notes)) if notes else ""
    return uploads, note


def link(case: Case, parsed: parse.ParsedMessage, now: datetime) -> MessageLink:
    """The received message's Message-ID on its case, not yet saved: answers to it thread
    there, and its sender is on the case's thread."""
    return bulk.new(
        MessageLink,
        message_id=parsed.message_id[:255],
        case=case,
        direction=MessageLink.Direction.IN,
        address=parsed.sender[:254],
        created_at=now,
    )


# A field that is one bare address of dot-atoms (RFC 5322 3.4.1), as most are: "support@example.com".
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_BARE = re.compile(rf"[ \t]*{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*[ \t]*\Z")


def copied(parsed: parse.ParsedMessage) -> list[str]:
    """The addresses the message went to (To and Cc) but the sender's and the desk's own, in
    order. Most messages go to the desk alone: none, and no look-up at all."""
    values = [value for name, value in parsed.headers if name.lower() in ("to", "cc")]
    if all(_BARE.match(value) for value in values):  # what `getaddresses` makes of them, read faster
        found = [value.strip() for value in values]
    else:
        found = [address for _, address in getaddresses(values)]
    out: list[str] = []
    for address in found:
        address = normalise_address(address)
        if address and address != parsed.sender and address not in out and not mailboxes.is_ours(address):
            out.append(address)
    return out[:COPIED_LIMIT]


def copy_on(
    case: Case, parsed: parse.ParsedMessage, by: actions.Who, addresses: list[str] | None = None
) -> None:
    """Copy on the case the people the message also went to: they have read it already,
    and now hear the answers too. `addresses`: `copied(parsed)`, if the caller has it."""
    addresses = copied(parsed) if addresses is None else addresses
    if addresses:
        actions.add_copied(case, by=by, sender=parsed.sender, addresses=addresses)


def opening_for(
    parsed: parse.ParsedMessage,
    contact: Contact,
    router: routing.Router,
    platforms: list[Any],
    origin: notices.Origin | None = None,
    verified: bool | None = None,
) -> actions.Opening:
    """The case a new message from an MPOC opens: its platform (the organisation's only
    one, or the one the message names, among `platforms`), routed in turn."""
    uploads, note = uploads_of(parsed)
    platform = routing.platform_for(contact, f"{parsed.subject}\n{parsed.new_text[:5000]}", platforms)
    return actions.Opening(
        by=contact,
        title=(fold(parsed.subject) or "(no subject)")[
            : actions.TITLE_MAX
        ],  # never refused: mail is not lost
        description=(parsed.new_text[:BODY_LIMIT] + note).strip(),
        channel=Channel.EMAIL,
        platform=platform,
        uploads=uploads,
        routed_to=router.next(platform.team if platform else None),
        route_note=routing.ROUTE_NOTE,
        origin=origin,
        sender_verified=verified,
    )


def _writer(case: Case, contact: Contact | None) -> Contact:
    """Whose a reply is: the sender's, for a contact of the case's organisation; otherwise
    (an address on the thread) the case contact's."""
    if contact is not None and contact.organisation_id == case.organisation_id:
        return contact
    return case.contact


def reply_text(parsed: parse.ParsedMessage, case: Case, contact: Contact | None) -> str:
    """A reply's comment; one from an address on the thread (not a contact of the case's
    organisation) is recorded as the case contact's, saying who wrote it."""
    text = parsed.new_text[:BODY_LIMIT]
    if contact is None or contact.organisation_id != case.organisation_id:
        name = parsed.sender_name or parsed.sender
        text = f"(E-mail from {name} <{parsed.sender}>, on the thread)\n\n{text}"
    return text


def comment_for(
    parsed: parse.ParsedMessage,
    case: Case,
    contact: Contact | None,
    origin: notices.Origin,
    verified: bool | None = None,
) -> actions.Comment:
    """The comment a reply to an open case adds."""
    uploads, note = uploads_of(parsed)
    body = (reply_text(parsed, case, contact) + note).strip()
    return actions.Comment(
        case=case,
        by=_writer(case, contact),
        body=body or "(empty message)",
        uploads=uploads,
        origin=origin,
        sender_verified=verified,
    )


# --- the kinds taken one at a time ---------------------------------------------------


def refusal(contact: Contact, origin: notices.Origin, reason: str = "") -> None:
    notices.refusal(contact, origin, reason or actions.mpoc_refusal(contact))


def not_mpoc(contact: Contact, origin: notices.Origin) -> Result:
    refusal(contact, origin)
    return Result("refused", None, f"{contact.email} is not a main point of contact.")


def macd_request(
    parsed: parse.ParsedMessage, contact: Contact, origin: notices.Origin, verified: bool | None
) -> Result:
    """A MACD request by e-mail (`decisions.macd_form`), through the MACD action: from an
    MPOC it opens one, awaiting approval unless the sender was verified (then it counts as
    theirs, as in the portal); from anyone else, or without a change in the form, the sender
    is told why."""
    form = decisions.macd_form(parsed)
    assert form is not None
    if not form.changes:
        refusal(contact, origin, f"We could not read the changes of your MACD request. {macd.FORM_HELP}")
        return Result("refused", None, "A MACD request without a change in the documented form.")
    try:
        with transaction.atomic():
            case = macd_actions.submit(
                macd_actions.Submission(
                    by=contact,
                    title=form.title,
                    description=parsed.new_text[:BODY_LIMIT].strip(),
                    changes=list(form.changes),
                    speed=form.speed,
                    urgent=form.urgent,
                    channel=Channel.EMAIL,
                    origin=origin,
                    sender_verified=verified,
                    counts_as_approval=verified is True,
                )
            )
            made = link(case, parsed, clock.now())
            if made.message_id:
                made.save()
    except Forbidden as exc:
        refusal(contact, origin, str(exc))
        return Result("refused", None, f"{contact.email} may not raise MACD requests: {exc}")
    except Refused as exc:
        refusal(contact, origin, f"{exc} {macd.FORM_HELP}")
        return Result("refused", None, f"The MACD request was refused: {exc}")
    return Result("created", case.number, f"A MACD request from {parsed.sender}, a main point of contact.")


def reply_to_closed(
    parsed: parse.ParsedMessage,
    case: Case,
    contact: Contact | None,
    origin: notices.Origin,
    verified: bool | None = None,
) -> Result:
    """Within the reopen window the case reopens; later a follow-up case is opened (and
    routed in turn); a sender who may not ask is told why."""
    uploads, note = uploads_of(parsed)
    by = _writer(case, contact)
    body = (reply_text(parsed, case, contact) + note).strip()
    try:
        outcome, target = actions.request_reopen(
            case, by=by, note=body, channel=Channel.EMAIL, origin=origin, sender_verified=verified
        )
    except Forbidden as exc:
        refusal(by, origin, reason=str(exc))
        return Result("refused", case.number, str(exc))
    if uploads:
        actions.add_comment(target, by=by, body="", uploads=uploads, origin=origin, sender_verified=verified)
    if parsed.message_id:
        link(target, parsed, clock.now()).save(force_insert=True)
    # The latest entry the message wrote on the case it went to (a follow-up's opening,
    # not the note on the closed case that points at it).
    last_event = next((e.pk for e in reversed(origin.events) if e.case_id == target.pk), None)
    copy_on(target, parsed, by)
    why = f"{case.number} was {case.status_label}."
    if outcome in (ReopenOutcome.REOPEN, ReopenOutcome.RESUME, ReopenOutcome.ALREADY_OPEN):
        return Result("reopened", target.number, why, event_id=last_event)
    routing.route_new_case(target)
    return Result("follow_up_created", target.number, why, event_id=last_event)


def bounce(row: InboundMessage, parsed: parse.ParsedMessage, outbound: OutboundMessage | None) -> Result:
    """A delivery report: a failure recorded for each address it names (or the address of
    the message it reports on), against that message."""
    report = parsed.bounce
    assert report is not None
    recipients = list(report.recipients) or ([outbound.to] if outbound else [])
    now = clock.now()
    AddressFailure.objects.bulk_create(
        [
            AddressFailure(
                address=address.lower()[:254],
                permanent=report.permanent,
                action=report.action[:20],
                status=report.status,
                diagnostic=report.diagnostic,
                outbound=outbound,
                bounce=row,
                at=now,
            )
            for address in recipients
        ]
    )
    case = outbound.case if outbound is not None else None
    found = parsed.recognised
    if found is not None and found.kind in recognise.SUPPRESSING:
        for address in recipients:
            suppression.suppress(address, reason=found.kind, evidence=found.explanation, inbound_id=row.pk)
    if found is not None and found.kind == recognise.COMPLAINT:
        what = "A complaint"
    else:
        what = "Delivery failed" if report.permanent else f"Delivery {report.action}"
    reason = f"{what} for {', '.join(recipients) or 'an unnamed recipient'}"
    if found is not None:
        reason += f" ({found.explanation})"
    elif report.status:
        reason += f" ({report.status})"
    if found is not None and found.kind in recognise.SUPPRESSING and recipients:
        reason += "; no more non-essential mail is sent there"
    return Result("bounce", case.number if case else None, reason + ".")
