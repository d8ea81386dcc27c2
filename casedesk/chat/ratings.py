"""The ratings customers give at the end of a chat, for the reports' satisfaction figures,
filtered as the reports filter cases: the organisation of the contact chatting, the team the
chat was with, and for the case's own dimensions (platform, priority, kind) the case the
chat became. A channel filter other than chat leaves none."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from casedesk.chat.models import Chat
from casedesk.reporting.ratings import Rating
from casedesk.reporting.selectors import Filters

LIMIT = 50_000  # rated chats in one report's range; far more than a desk's year


def of_chats(f: Filters) -> Iterable[Rating]:
    if f.channel and f.channel != "chat":
        return []
    zone = timezone.get_current_timezone()
    start, end = f.bounds()
    qs = Chat.objects.filter(rating__isnull=False, ended_at__gte=start, ended_at__lt=end)
    if f.organisation:
        qs = qs.filter(contact__organisation_id=f.organisation)
    if f.team:
        qs = qs.filter(team_id=f.team)
    if f.platform:
        qs = qs.filter(case__platform_id=f.platform)
    if f.priority:
        qs = qs.filter(case__priority=f.priority)
    if f.kind:
        qs = qs.filter(case__kind=f.kind)
    rows = qs.order_by("ended_at").values_list("ended_at", "rating", "rating_note")[:LIMIT]
    return [
        Rating(day=timezone.localtime(ended, zone).date(), score=score, comment=note, source="chat")
        for ended, score, note in rows
        if score is not None and ended is not None
    ]
