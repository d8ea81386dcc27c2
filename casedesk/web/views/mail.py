"""Console pages for e-mail: the quarantine queue, any received message with its headers
(as read at intake) and the raw original to download, and the suppressed addresses.
Staff only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casedesk.accounts import selectors as accounts
from casedesk.core.errors import NotFound, Refused
from casedesk.mail import intake
from casedesk.mail.models import InboundMessage
from casedesk.outbox import suppression
from casedesk.rules.permissions import Ability
from casedesk.web.views.common import AuthedRequest, staff_can
from casedesk.web.views.listing import page_number

LIST_FIELDS = ("id", "received_at", "sender", "subject", "reason", "state", "source", "size")


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
    number, size = page_number(request), settings.CASEDESK_PAGE_SIZE
    rows = list(
        InboundMessage.objects.filter(state=state)
        .only(*LIST_FIELDS)
        .order_by("-id")[(number - 1) * size : number * size + 1]
    )
    return render(
        request,
        "console/mail_list.html",
        {
            "rows": rows[:size],
            "has_next": len(rows) > size,
            "page": number,
            "state": state,
            "states": InboundMessage.State.choices,
        },
    )


@staff_can(Ability.ROUTE)
def message(request: AuthedRequest, message_id: int) -> HttpResponse:
    """The message as read at intake (`InboundMessage.reading`): the raw bytes are never
    parsed here."""
    row = _message(message_id)
    return render(
        request,
        "console/mail_message.html",
        {"row": row, "reading": row.reading, "sender_contacts": _contacts_for(row.sender)},
    )


def _contacts_for(address: str) -> list:
    return accounts.contacts_at_domain(address)


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
    contact = accounts.contact_for(request.user, request.POST.get("contact"))
    if contact is None:
        messages.error(request, "Choose the contact the message is from.")
        return redirect(reverse("console:mail_message", kwargs={"message_id": row.pk}))
    try:
        result = intake.accept(
            row.pk, by=request.user, contact=contact, number=request.POST.get("case", "").strip()
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
