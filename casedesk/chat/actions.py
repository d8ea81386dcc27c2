"""Every write to a chat or a call. The WebSocket consumers, the console's pages and the
telephony webhook all call these.

A message is stored first and broadcast after commit with its database id: a client that
missed the broadcast asks for everything after the last id it saw, and a client that sees
one twice drops it by id. A retried send carries the same key and finds the row it stored.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from casedesk.accounts import permissions
from casedesk.accounts.models import Contact, Team, User
from casedesk.cases import actions as case_actions
from casedesk.cases.models import Case, Channel
from casedesk.chat.live import QUEUE_GROUP, broadcast, chat_group, send_now, staff_group
from casedesk.chat.models import Chat, ChatMessage
from casedesk.core import clock, throttle
from casedesk.core.errors import Forbidden, RateLimited, Refused
from casedesk.core.uploads import Upload, check_upload, remove_after_commit
from casedesk.outbox import delivery
from casedesk.rules import chat as rules
from casedesk.rules.calendar import CHAT
from casedesk.rules.chat import Identity, Side, State
from casedesk.rules.lifecycle import ReopenOutcome
from casedesk.rules.permissions import Ability
from casedesk.sla import config as sla_config

PAGE = 100


def message_data(message: ChatMessage) -> dict[str, Any]:
    return {
        "type": "message",
        "chat": message.chat_id,
        "id": message.pk,
        "key": message.key,
        "side": message.side,
        "author": message.author_name,
        "body": message.body,
        "at": message.created_at.isoformat(),
        "file": message.file_name,
    }


def state_data(chat: Chat) -> dict[str, Any]:
    return {
        "type": "state",
        "chat": chat.pk,
        "state": chat.state,
        "technician": chat.technician.display_name if chat.technician else "",
        "case": chat.case.number if chat.case else "",
        "customer_read": chat.customer_read,
        "staff_read": chat.staff_read,
        "rating": chat.rating,
        # In this many seconds unanswered the widget offers to open a case instead: relative,
        # so that a browser's wrong clock does not offer it at once or never.
        "offer_case_in": max(
            0, round((chat.waiting_since + settings.CASEDESK_CHAT_WAIT_OFFER - clock.now()).total_seconds())
        )
        if chat.state == State.WAITING
        else None,
    }


def queue_data(chat: Chat) -> dict[str, Any]:
    return {
        "type": "queue",
        "chat": chat.pk,
        "state": chat.state,
        "name": chat.name,
        "organisation": chat.organisation_name,
        "waiting_since": chat.waiting_since.isoformat(),
        "technician": chat.technician_id,
        "team": chat.team_id,
    }


# -- hours -----------------------------------------------------------------------------------


def hours(now: datetime | None = None) -> rules.Hours:
    return rules.hours(sla_config.current().calendar(CHAT), now or clock.now())


def opening_text(hours: rules.Hours) -> str:
    """When chat opens next, in the calendar's own zone, as the plan states its hours."""
    if hours.next_opening is None:
        return ""
    zone = sla_config.current().calendar(CHAT).tz
    return hours.next_opening.astimezone(zone).strftime("%A %-d %B at %H:%M %Z")


# -- chats -----------------------------------------------------------------------------------


def _lock(chat: Chat) -> Chat:
    # Only the chat row is locked: its technician, case and contact are read alongside.
    return (
        Chat.objects.select_for_update(of=("self",))
        .select_related("technician", "case", "contact")
        .get(pk=chat.pk)
    )


def _system(chat: Chat, body: str) -> ChatMessage:
    message = ChatMessage.objects.create(
        chat=chat,
        created_at=clock.now(),
        side=Side.SYSTEM,
        author_name=settings.CASEDESK_SITE_NAME,
        body=body,
        key=f"system-{secrets.token_hex(8)}",
    )
    broadcast(chat_group(chat.pk), message_data(message))
    return message


def _clean_field(value: str, label: str, *, required: bool) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise Refused(f"Please give your {label}.")
    if len(value) > rules.FIELD_MAX:
        raise Refused(f"Your {label} is too long.")
    return value


def start_chat(
    *,
    identity: Identity,
    user: User | None = None,
    name: str = "",
    email: str = "",
    organisation: str = "",
    address: str | None = None,
    message: str = "",
) -> Chat:
    """A new chat in the queue. A portal user (or the embedding site's vouched-for user) is
    known by their contact; a public visitor by what they type. Outside hours only a
    `message` may be left, answered when chat opens."""
    now = clock.now()
    if not hours(now).open and not message:
        raise Refused("Chat is closed now.")
    if message:
        problem = rules.message_problem(message)
        if problem:
            raise Refused(problem)
    if (
        address
        and throttle.hit(throttle.key("chat-start", address), 3600) > settings.CASEDESK_CHAT_STARTS_PER_HOUR
    ):
        raise RateLimited("Too many chats from this address; please try again later.")
    contact: Contact | None = None
    if identity in (Identity.PORTAL, Identity.SIGNED):
        contact = permissions.customer_contact(user)
        if contact is None or not contact.active:
            raise Forbidden("Only a customer contact may chat from the portal.")
        name, email, organisation = contact.name, contact.email, contact.organisation.name
    else:
        user = None
        name = _clean_field(name, "name", required=True)
        email = _clean_field(email, "e-mail address", required=True)
        if "@" not in email:
            raise Refused("Please give a valid e-mail address.")
        organisation = _clean_field(organisation, "organisation", required=True)
    with transaction.atomic():
        chat = Chat.objects.create(
            created_at=now,
            waiting_since=now,
            identity=identity,
            token=secrets.token_urlsafe(32),
            user=user,
            contact=contact,
            name=name,
            email=email,
            organisation_name=organisation,
            address=address or None,
            left_message=bool(message),
        )
        if message:
            left = ChatMessage.objects.create(
                chat=chat,
                created_at=now,
                side=Side.CUSTOMER,
                author=user,
                author_name=name,
                body=message,
                key="left",
            )
            broadcast(chat_group(chat.pk), message_data(left))
            _system(chat, "Thanks, we have your message: a technician answers it by e-mail when chat opens.")
        else:
            _system(chat, "Thanks, a technician will be with you shortly.")
        if contact is not None and not permissions.can(contact, Ability.OPEN_CASE):
            # Said at once, as on every channel: this chat cannot become a case by itself.
            _system(chat, permissions.mpoc_refusal(contact, Ability.OPEN_CASE))
        broadcast(QUEUE_GROUP, queue_data(chat))
    return chat


def send(
    chat: Chat,
    *,
    side: Side,
    body: str,
    key: str,
    by: User | None = None,
    upload: Upload | None = None,
) -> tuple[ChatMessage, bool]:
    """Store one message (once per key) and broadcast it; (message, newly stored)."""
    problem = rules.key_problem(key)
    if problem:
        raise Refused(problem)
    existing = ChatMessage.objects.filter(chat_id=chat.pk, key=key).first()
    if existing is not None:
        return existing, False
    if upload is not None and not body.strip():
        body = upload.name
    problem = rules.message_problem(body)
    if problem:
        raise Refused(problem)
    file_name = file_type = ""
    if upload is not None:
        file_name, file_type = check_upload(upload)
    now = clock.now()
    try:
        with transaction.atomic():
            # The chat's row alone, locked: a message is not stored beside a chat's ending.
            state, technician_id, name = (
                Chat.objects.select_for_update().values_list("state", "technician_id", "name").get(pk=chat.pk)
            )
            if state == State.ENDED:
                raise Refused("This chat has ended.")
            if side == Side.CUSTOMER:
                # Counted from the chat's own messages under its lock: exact on every process,
                # and no write (no commit) of its own as a cache counter would cost.
                recent = ChatMessage.objects.filter(
                    chat_id=chat.pk, side=Side.CUSTOMER, created_at__gt=now - timedelta(minutes=1)
                ).count()
                if recent >= settings.CASEDESK_CHAT_MESSAGES_PER_MINUTE:
                    raise RateLimited("You are sending messages too quickly; please wait a moment.")
            if side == Side.STAFF:
                if by is None or technician_id != by.pk:
                    raise Forbidden("Accept the chat before answering it.")
                author = by.display_name
            else:
                author = name
            message = ChatMessage(
                chat_id=chat.pk,
                created_at=now,
                side=side,
                author=by,
                author_name=author,
                body=body,
                key=key,
                file_name=file_name,
                file_type=file_type,
            )
            if upload is not None:
                message.file.save(file_name, ContentFile(upload.content), save=False)
            message.save()
            broadcast(chat_group(chat.pk), message_data(message))
    except IntegrityError:
        # The same key sent twice at once: the other send stored it.
        return ChatMessage.objects.get(chat_id=chat.pk, key=key), False
    return message, True


def history(chat: Chat, after: int = 0, limit: int = PAGE) -> tuple[list[ChatMessage], bool]:
    """Messages after id `after`, oldest first, a page at a time; (page, more to come)."""
    rows = list(ChatMessage.objects.filter(chat_id=chat.pk, pk__gt=after).order_by("pk")[: limit + 1])
    return rows[:limit], len(rows) > limit


def mark_read(chat: Chat, *, side: Side, upto: int) -> None:
    field = "customer_read" if side == Side.CUSTOMER else "staff_read"
    with transaction.atomic():
        updated = Chat.objects.filter(pk=chat.pk, **{f"{field}__lt": upto}).update(**{field: upto})
        if updated:
            broadcast(chat_group(chat.pk), {"type": "read", "chat": chat.pk, "side": side, "upto": upto})


def typing(chat: Chat, *, side: Side) -> None:
    """Nothing stored: a typing indicator that is lost is no loss."""
    send_now(chat_group(chat.pk), {"type": "typing", "chat": chat.pk, "side": side})


def _require_technician(by: User) -> None:
    if not permissions.is_staff(by):
        raise Forbidden("Only staff answer chats.")
    permissions.require(by, Ability.COMMENT)


def accept(chat: Chat, *, by: User) -> Chat:
    _require_technician(by)
    with transaction.atomic():
        chat = _lock(chat)
        if chat.state == State.ENDED:
            raise Refused("This chat has ended.")
        if chat.technician_id not in (None, by.pk):
            raise Forbidden(
                f"{chat.technician.display_name if chat.technician else 'Someone'} has this chat."
            )
        first = chat.accepted_at is None
        chat.state, chat.technician, chat.accepted_at = State.ACTIVE, by, chat.accepted_at or clock.now()
        chat.save(update_fields=["state", "technician", "accepted_at"])
        if first or chat.technician_id == by.pk:
            _system(chat, f"{by.display_name} joined the chat.")
        broadcast(chat_group(chat.pk), state_data(chat))
        broadcast(QUEUE_GROUP, queue_data(chat))
    return chat


def transfer(
    chat: Chat, *, by: User, to_user: User | None = None, to_team: Team | None = None, note: str = ""
) -> Chat:
    """To another technician (who has it at once) or a team (back in the queue); the note
    is for staff only."""
    _require_technician(by)
    if (to_user is None) == (to_team is None):
        raise Refused("Transfer to one person or one team.")
    if to_user is not None and not permissions.is_staff(to_user):
        raise Refused("Transfer to a member of staff.")
    note = " ".join(note.split())[: rules.MESSAGE_MAX]
    with transaction.atomic():
        chat = _lock(chat)
        if chat.state == State.ENDED:
            raise Refused("This chat has ended.")
        if chat.technician_id not in (None, by.pk):
            raise Forbidden("Only the technician who has the chat may transfer it.")
        chat.transfer_note = note
        if to_user is not None:
            chat.technician, chat.team, chat.state = to_user, None, State.ACTIVE
            _system(chat, f"You are now chatting with {to_user.display_name}.")
            broadcast(
                staff_group(to_user.pk),
                {"type": "transfer", "chat": chat.pk, "note": note, "from": by.display_name},
            )
        else:
            assert to_team is not None
            chat.technician, chat.team, chat.state, chat.waiting_since = (
                None,
                to_team,
                State.WAITING,
                clock.now(),
            )
            _system(
                chat, f"Transferring you to our {to_team.name} team; a technician will be with you shortly."
            )
        chat.save(update_fields=["technician", "team", "state", "waiting_since", "transfer_note"])
        broadcast(chat_group(chat.pk), state_data(chat))
        broadcast(QUEUE_GROUP, queue_data(chat))
    return chat


def transcript(chat: Chat) -> str:
    lines = [f"Chat with {chat.name} ({chat.organisation_name}), {chat.created_at:%Y-%m-%d %H:%M} UTC"]
    after = 0
    while True:
        page, more = history(chat, after, 500)
        for m in page:
            extra = f" [file: {m.file_name}]" if m.file_name else ""
            lines.append(f"[{m.created_at:%H:%M:%S}] {m.author_name}: {m.body}{extra}")
        if not more:
            break
        after = page[-1].pk
    return "\n".join(lines)


def end(chat: Chat, *, side: Side, by: User | None = None) -> Chat:
    """Close the chat; the transcript goes to the customer by e-mail."""
    with transaction.atomic():
        chat = _lock(chat)
        if chat.state == State.ENDED:
            return chat
        if side == Side.STAFF and (by is None or not permissions.is_staff(by)):
            raise Forbidden("Only staff end a chat for the customer.")
        chat.state, chat.ended_at = State.ENDED, clock.now()
        chat.save(update_fields=["state", "ended_at"])
        _system(chat, "The chat has ended. A transcript is on its way to you by e-mail.")
        if chat.email:
            delivery.enqueue(
                kind="chat_transcript",
                to=chat.email,
                subject=f"Your chat with {settings.CASEDESK_SITE_NAME}",
                text=transcript(chat),
                case=chat.case,
                dedupe_key=f"chat-transcript-{chat.pk}",
            )
            transaction.on_commit(delivery.kick)
        broadcast(chat_group(chat.pk), state_data(chat))
        broadcast(QUEUE_GROUP, queue_data(chat))
    return chat


def rate(chat: Chat, *, score: int, note: str = "") -> Chat:
    problem = rules.score_problem(score)
    if problem:
        raise Refused(problem)
    with transaction.atomic():
        chat = _lock(chat)
        chat.rating, chat.rating_note = score, note.strip()[: rules.MESSAGE_MAX]
        chat.save(update_fields=["rating", "rating_note"])
        broadcast(chat_group(chat.pk), state_data(chat))
    return chat


def to_case(chat: Chat, *, by: User, priority: str, title: str = "", contact: Contact | None = None) -> Case:
    """Open a case from the chat (channel "chat", the transcript as its description). The
    case is the chat's contact's, or, for a visitor, the contact staff choose; either way
    only an MPOC's: anyone else hears who their MPOCs are."""
    _require_technician(by)
    chat = Chat.objects.select_related("contact__organisation").get(pk=chat.pk)
    if chat.case_id:
        raise Refused("This chat is on a case already.")
    contact = chat.contact or contact
    if contact is None:
        raise Refused(
            "Choose the contact the case is for: a visitor's chat needs an MPOC of their organisation."
        )
    title = title.strip() or f"Chat with {chat.name}"
    with transaction.atomic():
        locked = _lock(chat)
        if locked.case_id:
            raise Refused("This chat is on a case already.")
        case = case_actions.open_case(
            by=by,
            title=title,
            description=transcript(locked),
            channel=Channel.CHAT,
            contact=contact,
            priority=priority,
        )
        locked.case = case
        locked.save(update_fields=["case"])
        _system(locked, f"Case {case.number} is open for this: you can follow it in the portal.")
        broadcast(chat_group(locked.pk), state_data(locked))
    return case


def attach_to_case(chat: Chat, *, by: User, case: Case) -> Case:
    """Put the transcript on an existing case: a comment on an open one; a closed one is
    reopened within the reopen window or gets a follow-up, as on every channel."""
    _require_technician(by)
    with transaction.atomic():
        locked = _lock(chat)
        text = transcript(locked)
        if case.is_open:
            case_actions.add_comment(case, by=by, body=text)
            target = case
        else:
            outcome, target = case_actions.request_reopen(case, by=by, note=text, channel=Channel.CHAT)
            if outcome == ReopenOutcome.ALREADY_OPEN:
                case_actions.add_comment(target, by=by, body=text)
        locked.case = target
        locked.save(update_fields=["case"])
        _system(locked, f"This chat is now on case {target.number}.")
        broadcast(chat_group(locked.pk), state_data(locked))
    return target


def waiting(now: datetime | None = None) -> list[tuple[Chat, int, bool]]:
    """The queue: each waiting chat, seconds waited, and whether it should become a case."""
    now = now or clock.now()
    wait = settings.CASEDESK_CHAT_WAIT_OFFER
    rows = Chat.objects.filter(state=State.WAITING).select_related("team").order_by("waiting_since", "pk")
    return [
        (c, int((now - c.waiting_since).total_seconds()), rules.offer_case(c.waiting_since, now, wait))
        for c in rows
    ]


def purge_transcripts(*, ended_before: datetime, now: datetime, batch: int = 200) -> int:
    """Remove the messages and files of chats that ended before `ended_before` (retention),
    `batch` chats at a time, each chat locked and checked again; the stored files go after
    the commit. Returns how many chats were purged."""
    due = list(
        Chat.objects.filter(ended_at__lt=ended_before, transcript_purged_at__isnull=True)
        .order_by("ended_at", "id")
        .values_list("pk", flat=True)[:batch]
    )
    purged = 0
    for pk in due:
        with transaction.atomic():
            chat = (
                Chat.objects.select_for_update()
                .filter(pk=pk, ended_at__lt=ended_before, transcript_purged_at__isnull=True)
                .first()
            )
            if chat is None:
                continue
            files = [name for name in chat.messages.exclude(file="").values_list("file", flat=True) if name]
            chat.messages.all().delete()
            chat.transcript_purged_at = now
            chat.save(update_fields=["transcript_purged_at"])
            remove_after_commit(ChatMessage._meta.get_field("file").storage, files)
            purged += 1
    return purged
