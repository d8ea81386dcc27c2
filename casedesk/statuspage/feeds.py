"""Atom feeds of incident updates and maintenance notices (django.utils.feedgenerator)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.utils.feedgenerator import Atom1Feed

from casedesk.core.when import human
from casedesk.rules.schedule import DENVER
from casedesk.status.models import Incident, IncidentUpdate, MaintenanceOccurrence


class PlainTextAtomFeed(Atom1Feed):
    """Atom with plain-text summaries. Update bodies and notices are text, not markup: sent
    as `type="html"` (the Django default) a reader would render any tags they contain."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


def base_url() -> str:
    return f"{settings.CASEDESK_BASE_URL}/status/"


def incident_url(incident: Incident) -> str:
    return f"{base_url()}incidents/{incident.pk}/"


def tag(kind: str, pk: int, at: datetime, extra: str = "") -> str:
    domain = settings.CASEDESK_MAIL_DOMAIN
    return f"tag:{domain},{at:%Y-%m-%d}:{kind}/{pk}{extra}"


def feed(
    *,
    title: str,
    link: str,
    feed_url: str,
    updates: Iterable[IncidentUpdate],
    occurrences: Iterable[MaintenanceOccurrence] = (),
    now: datetime,
) -> bytes:
    atom = PlainTextAtomFeed(
        title=title,
        link=link,
        description=title,
        feed_url=feed_url,
        language="en",
        feed_guid=feed_url,
    )
    entries: list[tuple[datetime, dict]] = []
    for update in updates:
        incident = update.incident
        entries.append(
            (
                update.at,
                {
                    "title": f"{incident.title}: {update.get_state_display()}",
                    "link": incident_url(incident),
                    "description": update.body,
                    "unique_id": tag("incident-update", update.pk, update.at),
                    "pubdate": update.at,
                    "updateddate": update.at,
                    "categories": ["incident", update.state],
                    "author_name": settings.CASEDESK_SITE_NAME,
                },
            )
        )
    for occ in occurrences:
        window = occ.window
        when = f"{human(occ.start, zone=DENVER)} to {human(occ.end, zone=DENVER)}"
        body = "\n\n".join(
            part
            for part in (
                f"{window.get_kind_display()}: {when} ({occ.get_state_display()}).",
                f"Products affected: {', '.join(p.name for p in window.platforms.all())}",
                window.description,
                f"Justification: {window.justification}",
                f"Expected impact: {window.impact_summary}",
                window.business_hours_reason
                and f"During business hours, because {window.business_hours_reason}",
                occ.follow_up or window.follow_up,
            )
            if part
        )
        changed = max(window.updated_at, window.created_at)
        entries.append(
            (
                changed,
                {
                    "title": f"Maintenance: {window.title} ({occ.get_state_display()})",
                    "link": base_url(),
                    "description": body,
                    "unique_id": tag("maintenance", occ.pk, occ.original_start),
                    "pubdate": window.created_at,
                    "updateddate": changed,
                    "categories": ["maintenance", occ.state],
                    "author_name": settings.CASEDESK_SITE_NAME,
                },
            )
        )
    entries.sort(key=lambda item: item[0], reverse=True)
    for _, entry in entries[:100]:
        atom.add_item(**entry)
    if not entries:
        atom.latest_post_date = lambda: now  # type: ignore[method-assign]
    return atom.writeString("utf-8").encode()
