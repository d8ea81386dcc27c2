"""Console pages for live chat and calls: the chat queue with waiting times, one chat with
its reply, transfer and case forms, and "log a call". The pages work as plain forms; the
console's WebSocket (`console-live.js`) adds new messages, typing and screen pops live."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from casedesk.accounts import selectors as accounts
from casedesk.accounts.models import Team, User
from casedesk.cases import selectors as case_selectors
from casedesk.cases.models import Priority
from casedesk.chat import actions, calls, selectors
from casedesk.chat.models import Call, Chat
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.core.uploads import Upload
from casedesk.rules.chat import Side
from casedesk.rules.permissions import Ability
from casedesk.web.views.common import AuthedRequest, staff_can, staff_required
from casedesk.workbench import replies

PRIORITIES = [Priority.P1, Priority.P2, Priority.P3, Priority.P4]


@staff_required
def chat_queue(request: AuthedRequest) -> HttpResponse:
    now = clock.now()
    return render(
        request,
        "console/chat_queue.html",
        {
            "waiting": [
                {"chat": c, "waited": timedelta(seconds=s), "offer": offer}
                for c, s, offer in actions.waiting(now)
            ],
            "mine": selectors.open_chats_of(request.user),
            "calls": selectors.recent_calls(request.user),
            "hours": actions.hours(now),
            "opens": actions.opening_text(actions.hours(now)),
        },
    )


def _chat_page(request: AuthedRequest, chat_id: int, *, error: str = "", status: int = 200) -> HttpResponse:
    chat = selectors.chat_for_staff(request.user, chat_id)
    page, _ = actions.history(chat, 0, 10_000)
    return render(
        request,
        "console/chat_detail.html",
        {
            "chat": chat,
            "chat_messages": page,
            "last_id": page[-1].pk if page else 0,
            "mine": chat.technician_id == request.user.pk,
            "priorities": PRIORITIES,
            "teams": Team.objects.order_by("name"),
            "staff": User.objects.filter(is_staff=True, is_active=True)
            .exclude(pk=request.user.pk)
            .order_by("email"),
            "saved_replies": _saved_replies(request.user, chat),
            "mpocs": chat.contact.organisation.mpocs() if chat.contact else [],
            "key": secrets.token_hex(12),
            "error": error,
        },
        status=status,
    )


def _saved_replies(user: User, chat: Chat) -> list[dict[str, str]]:
    """The agent's saved replies, filled in for the person chatting (and the chat's case)."""
    values = replies.values_for(chat.case, user) if chat.case else {}
    values.update(
        {
            "contact.first_name": chat.name.split(" ")[0],
            "contact.name": chat.name,
            "contact.email": chat.email,
            "organisation.name": chat.organisation_name,
            "agent.first_name": user.first_name or user.display_name.split(" ")[0],
            "agent.name": user.display_name,
        }
    )
    return [{"title": r.title, "text": replies.fill(r.body, values)} for r in replies.replies_for(user)]


@staff_required
def chat_detail(request: AuthedRequest, chat_id: int) -> HttpResponse:
    return _chat_page(request, chat_id)


def _do(request: AuthedRequest, chat_id: int, work: Callable[[Chat], object]) -> HttpResponse:
    try:
        result = work(selectors.chat_for_staff(request.user, chat_id))
    except Refused as exc:
        return _chat_page(request, chat_id, error=str(exc), status=exc.status_code)
    if isinstance(result, HttpResponse):
        return result
    return redirect("console:chat", chat_id=chat_id)


@staff_required
@require_POST
def chat_accept(request: AuthedRequest, chat_id: int) -> HttpResponse:
    return _do(request, chat_id, lambda chat: actions.accept(chat, by=request.user))


@staff_required
@require_POST
def chat_send(request: AuthedRequest, chat_id: int) -> HttpResponse:
    upload = request.FILES.get("file")
    file = Upload(upload.name or "file", upload.read(), upload.content_type or "") if upload else None
    return _do(
        request,
        chat_id,
        lambda chat: actions.send(
            chat,
            side=Side.STAFF,
            by=request.user,
            body=request.POST.get("body", ""),
            key=request.POST.get("key", "") or secrets.token_hex(12),
            upload=file,
        ),
    )


@staff_required
@require_POST
def chat_transfer(request: AuthedRequest, chat_id: int) -> HttpResponse:
    to_user = User.objects.filter(pk=request.POST.get("user") or 0, is_staff=True).first()
    to_team = Team.objects.filter(pk=request.POST.get("team") or 0).first()

    def work(chat: Chat) -> HttpResponse:
        actions.transfer(
            chat, by=request.user, to_user=to_user, to_team=to_team, note=request.POST.get("note", "")
        )
        messages.success(request, "Chat transferred.")
        return redirect("console:chats")

    return _do(request, chat_id, work)


@staff_can(Ability.OPEN_FOR_CALLER)
@require_POST
def chat_to_case(request: AuthedRequest, chat_id: int) -> HttpResponse:
    contact = accounts.contact_for(request.user, request.POST.get("contact") or None, active_only=True)

    def work(chat: Chat) -> HttpResponse:
        case = actions.to_case(
            chat,
            by=request.user,
            priority=request.POST.get("priority", ""),
            title=request.POST.get("title", ""),
            contact=contact,
        )
        messages.success(request, f"Case {case.number} opened from the chat.")
        return redirect("console:chat", chat_id=chat_id)

    return _do(request, chat_id, work)


@staff_can(Ability.OPEN_FOR_CALLER)
@require_POST
def chat_attach(request: AuthedRequest, chat_id: int) -> HttpResponse:
    def work(chat: Chat) -> HttpResponse:
        case = case_selectors.get_case(request.user, request.POST.get("case", "").strip().upper())
        target = actions.attach_to_case(chat, by=request.user, case=case)
        messages.success(request, f"The chat is on case {target.number}.")
        return redirect("console:chat", chat_id=chat_id)

    return _do(request, chat_id, work)


@staff_required
@require_POST
def chat_end(request: AuthedRequest, chat_id: int) -> HttpResponse:
    return _do(request, chat_id, lambda chat: actions.end(chat, side=Side.STAFF, by=request.user))


@staff_can(Ability.OPEN_FOR_CALLER)
def call_new(request: AuthedRequest) -> HttpResponse:
    """Log a call: on a case (its number), or opening one for the caller."""
    form = request.POST if request.method == "POST" else request.GET
    number = form.get("number", "")
    found = calls.callers(number) if number else []
    error = ""
    if request.method == "POST":
        contact = accounts.contact_for(request.user, form.get("contact") or None, active_only=True)
        try:
            case = (
                case_selectors.get_case(request.user, form["case"].strip().upper())
                if form.get("case")
                else None
            )
            started = parse_datetime(form.get("started_at", "")) or clock.now()
            if timezone.is_naive(started):  # as typed: the reader's own clock
                started = timezone.make_aware(started)
            call = calls.log_call(
                by=request.user,
                direction=form.get("direction", Call.Direction.INBOUND),
                number=number,
                started_at=started,
                duration_seconds=int(form.get("minutes") or 0) * 60 + int(form.get("seconds") or 0),
                notes=form.get("notes", ""),
                contact=contact,
                case=case,
                open_title=form.get("title", "") if case is None else "",
                priority=form.get("priority") or None,
            )
        except (Refused, ValueError) as exc:
            error = str(exc) if isinstance(exc, Refused) else "Minutes and seconds are whole numbers."
        else:
            messages.success(request, "Call logged." + (f" On case {call.case.number}." if call.case else ""))
            if call.case:
                return redirect("console:case", number=call.case.number)
            return redirect("console:chats")
    return render(
        request,
        "console/call_new.html",
        {
            "form": form,
            "found": found,
            "directions": Call.Direction.choices,
            "priorities": PRIORITIES,
            "error": error,
        },
        status=400 if error else 200,
    )


def _cors(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A site that embeds the widget may read the answer to its upload."""
    origin = request.headers.get("Origin", "")
    if origin and origin.split("://", 1)[-1] in settings.CASEDESK_CHAT_ORIGINS:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


@csrf_exempt  # authenticated by the chat's secret token in the form, never by a cookie
@require_POST
def customer_upload(request: HttpRequest) -> HttpResponse:
    """A file from the widget into its chat, through the attachments' checks."""
    upload = request.FILES.get("file")
    try:
        chat = selectors.chat_for_customer(
            None, int(request.POST.get("chat") or 0), request.POST.get("token", "")
        )
        if upload is None:
            raise Refused("Choose a file to send.")
        message, _ = actions.send(
            chat,
            side=Side.CUSTOMER,
            body=request.POST.get("body", ""),
            key=request.POST.get("key", ""),
            upload=Upload(upload.name or "file", upload.read(), upload.content_type or ""),
        )
    except Refused as exc:
        return _cors(request, JsonResponse({"detail": str(exc)}, status=exc.status_code))
    except ValueError:
        return _cors(request, JsonResponse({"detail": "Which chat?"}, status=400))
    return _cors(request, JsonResponse({"id": message.pk, "key": message.key}, status=201))


def chat_file(request: HttpRequest, message_id: int) -> FileResponse:
    """A file sent in a chat: to staff, or the chat's customer; never shown inline."""
    message = selectors.message_file_for(request.user, message_id, request.GET.get("token", ""))
    response = FileResponse(
        message.file.open("rb"),
        as_attachment=True,
        filename=message.file_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
