"""Console pages for e-mail: the quarantine queue, any received message with its headers
(as read at intake) and the raw original to download, and the suppressed addresses.
Staff only."""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casedesk.accounts import selectors as accounts
from casedesk.accounts.contacts import NewContact
from casedesk.cases.models import number_for
from casedesk.core.errors import NotFound, Refused
from casedesk.mail import intake
from casedesk.mail.models import InboundMessage
from casedesk.outbox import suppression
from casedesk.rules.permissions import Ability
from casedesk.web.views.common import AuthedRequest, staff_can
from casedesk.web.views.listing import page_number

LIST_FIELDS = (
    "id",
    "received_at",
    "sender",
    "subject",
    "reason",
    "state",
    "outcome",
    "automatic",
    "case_id",
    "source",
    "size",
)


OUTCOME_LABELS = {
    "created": "Opened a case",
    "appended": "Added to the case",
    "reopened": "Reopened the case",
    "follow_up_created": "Opened a follow-up case",
    "auto_reply": "Automatic reply, not answered",
    "bounce": "Delivery report recorded",
    "duplicate": "Duplicate delivery, recorded once",
    "refused": "Refused (sender answered)",
    "loop": "Mail loop, not answered",
    "quarantined": "Quarantined",
}


@dataclass(frozen=True)
class Listed:
    """A message in a list, with its case's number and its outcome in words."""

    row: InboundMessage
    case_number: str
    outcome_label: str


def _outcome_label(row: InboundMessage) -> str:
    if row.state == InboundMessage.State.REJECTED:
        return "Rejected"
    label = OUTCOME_LABELS.get(row.outcome, row.outcome.replace("_", " ").capitalize() or "—")
    return f"{label} (accepted from quarantine)" if row.state == InboundMessage.State.ACCEPTED else label


def _message(message_id: int) -> InboundMessage:
    row = InboundMessage.objects.select_related("case", "reviewed_by").filter(pk=message_id).first()
    if row is None:
        raise NotFound("No such message.")
    return row


@staff_can(Ability.ROUTE)
def quarantine(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", "quarantined")
    if state not in InboundMessage.State.values:
        state = "quarantined"
    # Of one kind of automatic mail (bounces, complaints, automatic replies), or any.
    automatic = request.GET.get("automatic", "")
    if automatic not in InboundMessage.Automatic.values:
        automatic = ""
    number, size = page_number(request), settings.CASEDESK_PAGE_SIZE
    chosen = InboundMessage.objects.filter(state=state)
    if automatic:
        chosen = chosen.filter(automatic=automatic)
    rows = list(chosen.only(*LIST_FIELDS).order_by("-id")[(number - 1) * size : number * size + 1])
    listed = [
        Listed(row, number_for(row.case_id) if row.case_id else "", _outcome_label(row)) for row in rows
    ]
    return render(
        request,
        "console/mail_list.html",
        {
            "rows": listed[:size],
            "has_next": len(rows) > size,
            "page": number,
            "state": state,
            "states": InboundMessage.State.choices,
            "automatic": automatic,
            "kinds": InboundMessage.Automatic.choices,
        },
    )


@staff_can(Ability.ROUTE)
def message(request: AuthedRequest, message_id: int) -> HttpResponse:
    """The message as read at intake (`InboundMessage.reading`): the raw bytes are never
    parsed here."""
    row = _message(message_id)
    reading = row.reading
    address = row.sender
    return render(
        request,
        "console/mail_message.html",
        {
            "row": row,
            "reading": reading,
            "sender_contacts": _contacts_for(address),
            "sender_name": _display_name(reading),
            "sender_address": address,
            "guessed_organisation": _guess(address),
        },
    )


def _contacts_for(address: str) -> list:
    exact = accounts.contacts_by_email(address)
    same_domain = [c for c in accounts.contacts_at_domain(address) if c not in exact]
    return exact + same_domain


def _guess(address: str) -> Any:
    """The organisation most of the sender's domain's contacts belong to, if any."""
    found = [c.organisation for c in accounts.contacts_at_domain(address)]
    return max(set(found), key=found.count) if found else None


@staff_can(Ability.ROUTE)
def raw(request: AuthedRequest, message_id: int) -> HttpResponse:
    row = _message(message_id)
    response = HttpResponse(bytes(row.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="message-{row.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_can(Ability.ROUTE)
@require_POST
def accept(request: AuthedRequest, message_id: int) -> HttpResponse:
    row = _message(message_id)
    post = request.POST
    contact, new_contact = None, None
    number = post.get("case", "").strip()
    if post.get("who") == "new":
        # A name or account number (the type-ahead's, or typed); an id from older forms.
        ref = post.get("organisation", "").strip()
        org = accounts.organisation_by_ref(ref)
        org_id = org.pk if org is not None else int(ref) if ref.isdigit() else None
        new_contact = NewContact(
            organisation_id=org_id,
            name=post.get("name", ""),
            email=row.sender,
            phone=post.get("phone", ""),
            secondary_mpoc=post.get("mpoc") == "on",
        )
    else:
        contact = accounts.contact_for(request.user, post.get("contact"))
        if contact is None:
            messages.error(
                request, "Choose the contact the message is from, or add the sender as a new contact."
            )
            return redirect(reverse("console:mail_message", kwargs={"message_id": row.pk}))
    try:
        result = intake.accept(
            row.pk,
            by=request.user,
            contact=contact,
            new_contact=new_contact,
            number=number if (post.get("then") or ("append" if number else "open")) == "append" else "",
        )
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect(reverse("console:mail_message", kwargs={"message_id": row.pk}))
    verb = "opened" if result.outcome == "created" else "added to"
    messages.success(request, f"Message accepted: {verb} {result.case}.")
    return redirect(reverse("console:case", kwargs={"number": result.case}))


@staff_can(Ability.ROUTE)
@require_POST
def reject(request: AuthedRequest, message_id: int) -> HttpResponse:
    row = _message(message_id)
    try:
        intake.reject(row.pk, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect(reverse("console:mail_message", kwargs={"message_id": row.pk}))
    messages.success(request, f"Message from {row.sender or 'an unknown sender'} rejected.")
    return redirect(reverse("console:mail_quarantine"))


@staff_can(Ability.ROUTE)
def suppressions(request: AuthedRequest) -> HttpResponse:
    """Addresses that get no more non-essential mail, why, and the message that said so."""
    lifted = request.GET.get("lifted") == "1"
    number, size = page_number(request), settings.CASEDESK_PAGE_SIZE
    rows = suppression.listing(lifted=lifted, page=number, size=size)
    context = {"rows": rows[:size], "has_next": len(rows) > size, "page": number, "lifted": lifted}
    return render(request, "console/mail_suppressions.html", context)


@staff_can(Ability.ROUTE)
@require_POST
def lift(request: AuthedRequest, suppression_id: int) -> HttpResponse:
    try:
        row = suppression.lift(suppression_id, by=request.user, note=request.POST.get("note", ""))
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Mail to {row.address} is sent again.")
    return redirect(reverse("console:mail_suppressions"))


def _display_name(reading: dict[str, Any] | None) -> str:
    """The name the sender gave in From:, from the reading stored at intake (never a reparse)."""
    for name, value in (reading or {}).get("headers", []):
        if name.lower() == "from":
            return email.utils.parseaddr(value)[0][:200]
    return ""
