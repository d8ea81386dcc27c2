"""The published status pages: rendered once per change, served as stored bytes.

Every change that alters a public page calls `status.versions.changed()` in its
transaction, which bumps the one StatusVersion row. A request compares the version (read
at most once per CASEDESK_STATUS_RECHECK_SECONDS per process) with the copy it holds in
memory; only when they differ is the page taken from the RenderedPage table or, failing
that, rendered and stored there for the other processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.timezone import localtime

from casedesk.core import clock
from casedesk.core.errors import NotFound
from casedesk.core.when import plan_zone
from casedesk.status import selectors as status_selectors
from casedesk.status import versions
from casedesk.status.models import Impact, Incident, IncidentUpdate, RenderedPage
from casedesk.statuspage import feeds, ics, selectors

HTML = "text/html; charset=utf-8"
JSON = "application/json"
ATOM = "application/atom+xml; charset=utf-8"
ICS = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class Page:
    stamp: str
    content_type: str
    body: bytes
    etag: str


_lock = threading.Lock()
_memo: dict[str, Page] = {}


def get(path: str) -> Page:
    """The current copy of the public page at `path` (relative to /status/)."""
    stamp = versions.current_stamp()
    page = _memo.get(path)
    if page is not None and page.stamp == stamp:
        return page
    with _lock:
        page = _memo.get(path)
        if page is not None and page.stamp == stamp:
            return page
        row = RenderedPage.objects.filter(path=path, etag__startswith=f'"{stamp[:12]}').first()
        if row is not None:
            page = Page(stamp, row.content_type, bytes(row.body), row.etag)
        else:
            content_type, body = render(path)
            etag = f'"{stamp[:12]}-{hashlib.sha256(body).hexdigest()[:16]}"'
            page = Page(stamp, content_type, body, etag)
            # Another process may store the same page a moment earlier.
            with contextlib.suppress(IntegrityError):
                RenderedPage.objects.update_or_create(
                    path=path,
                    defaults={
                        "version": 0,
                        "content_type": content_type,
                        "body": body,
                        "etag": etag,
                        "rendered_at": clock.now(),
                    },
                )
        _memo[path] = page
        if len(_memo) > 2000:
            _memo.clear()
        return page


# --- renderers -------------------------------------------------------------------------


def _context(now: datetime) -> dict:
    return {
        "site_name": settings.CASEDESK_SITE_NAME,
        "base_url": settings.CASEDESK_BASE_URL,
        "static_url": "/" + settings.STATIC_URL.lstrip("/"),  # the export serves it from /static/ too
        "now": localtime(now),
    }


def index(now: datetime) -> bytes:
    rows = selectors.platform_rows(now)
    maintenance = selectors.maintenance_lists(now)
    context = {
        **_context(now),
        "rows": rows,
        "overall": Impact(selectors.overall(rows)),
        "incidents": selectors.active_incidents(),
        "in_progress": maintenance.in_progress,
        "upcoming": maintenance.upcoming,
        "regular": maintenance.regular,
        "impacts": Impact,
    }
    return render_to_string("statuspage/index.html", context).encode()


def incident_page(now: datetime, incident_id: int) -> bytes:
    incident = status_selectors.get_incident(incident_id)
    return render_to_string("statuspage/incident.html", {**_context(now), "incident": incident}).encode()


def history_page(now: datetime) -> bytes:
    """The latest past incidents, and a page for each year with all of that year's."""
    context = {**_context(now), "incidents": selectors.past_incidents(), "years": selectors.incident_years()}
    return render_to_string("statuspage/history.html", context).encode()


def history_year_page(now: datetime, year: int) -> bytes:
    years = selectors.incident_years()
    if year not in years:
        raise NotFound("No past incidents that year.")
    incidents = selectors.past_incidents(year=year)
    context = {**_context(now), "incidents": incidents, "years": years, "year": year}
    return render_to_string("statuspage/history.html", context).encode()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def summary(now: datetime) -> bytes:
    rows = selectors.platform_rows(now, with_history=False)
    data = {
        "page": {"name": settings.CASEDESK_SITE_NAME, "url": feeds.base_url(), "updated_at": now.isoformat()},
        "status": {
            "indicator": selectors.overall(rows),
            "description": Impact(selectors.overall(rows)).label,
        },
        "platforms": [
            {
                "code": r.platform.code,
                "name": r.platform.name,
                "status": r.impact,
                "label": r.impact_label,
                "note": r.note,
            }
            for r in rows
        ],
        "incidents": [
            {
                "id": i.pk,
                "title": i.title,
                "state": i.state,
                "url": feeds.incident_url(i),
                "started_at": _iso(i.started_at),
                "impacts": {imp.platform.code: imp.impact for imp in i.impacts.all()},
                "updates": [{"at": _iso(u.at), "state": u.state, "body": u.body} for u in i.updates.all()],
            }
            for i in selectors.active_incidents()
        ],
        "maintenance": {
            key: [
                {
                    "id": o.pk,
                    "title": o.window.title,
                    "kind": o.window.kind,
                    "state": o.state,
                    "start": _iso(o.start),
                    "end": _iso(o.end),
                    "platforms": [p.code for p in o.window.platforms.all()],
                    "impact": o.window.impact,
                    "expected_impact": o.window.expected_label,
                    "description": o.window.description,
                }
                for o in occs
            ]
            for key, occs in (
                ("in_progress", status_selectors.maintenance_in_progress()),
                ("upcoming", status_selectors.maintenance_upcoming(now)),
            )
        },
    }
    return json.dumps(data, indent=1).encode()


def _updates():
    return IncidentUpdate.objects.select_related("incident").order_by("-at", "-id")


def atom_all(now: datetime) -> bytes:
    return feeds.feed(
        title=f"{settings.CASEDESK_SITE_NAME} network status",
        link=feeds.base_url(),
        feed_url=f"{feeds.base_url()}feed.atom",
        updates=_updates()[:100],
        occurrences=status_selectors.occurrences_qs()
        .filter(window__kind__in=notice_kinds())
        .order_by("-start")[:50],
        now=now,
    )


def atom_platform(now: datetime, code: str) -> bytes:
    platform = selectors.get_platform(code)
    return feeds.feed(
        title=f"{settings.CASEDESK_SITE_NAME} network status: {platform.name}",
        link=feeds.base_url(),
        feed_url=f"{feeds.base_url()}platforms/{platform.code}/feed.atom",
        updates=_updates().filter(incident__impacts__platform=platform)[:100],
        occurrences=status_selectors.occurrences_qs()
        .filter(window__platforms=platform, window__kind__in=notice_kinds())
        .order_by("-start")[:50],
        now=now,
    )


def atom_incident(now: datetime, incident_id: int) -> bytes:
    incident = status_selectors.get_incident(incident_id)
    return feeds.feed(
        title=f"{settings.CASEDESK_SITE_NAME}: {incident.title}",
        link=feeds.incident_url(incident),
        feed_url=f"{feeds.incident_url(incident)}feed.atom",
        updates=_updates().filter(incident=incident),
        now=now,
    )


def notice_kinds() -> list[str]:
    """The kinds whose notices the feeds carry too."""
    return [kind for kind, policy in status_selectors.kind_policies().items() if policy.sends_notices]


def calendar_all(now: datetime) -> bytes:
    return ics.calendar(selectors.windows_for(), name=f"{settings.CASEDESK_SITE_NAME} maintenance", stamp=now)


def calendar_platform(now: datetime, code: str) -> bytes:
    platform = selectors.get_platform(code)
    return ics.calendar(
        selectors.windows_for(platform),
        name=f"{settings.CASEDESK_SITE_NAME} maintenance: {platform.name}",
        stamp=now,
    )


FIXED: dict[str, tuple[str, Callable[[datetime], bytes]]] = {
    "index.html": (HTML, index),
    "history.html": (HTML, history_page),
    "summary.json": (JSON, summary),
    "feed.atom": (ATOM, atom_all),
    "maintenance.ics": (ICS, calendar_all),
}


def render(path: str) -> tuple[str, bytes]:
    # One copy serves every reader (and a CDN): it is written on the plan's clock, never on
    # that of the logged-in reader whose request happened to render it.
    with timezone.override(plan_zone()):
        return _render(path)


def _render(path: str) -> tuple[str, bytes]:
    now = clock.now()
    if path in FIXED:
        content_type, fn = FIXED[path]
        return content_type, fn(now)
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "platforms":
        if parts[2] == "feed.atom":
            return ATOM, atom_platform(now, parts[1])
        if parts[2] == "maintenance.ics":
            return ICS, calendar_platform(now, parts[1])
    if len(parts) == 3 and parts[0] == "history" and parts[1].isdigit() and parts[2] == "index.html":
        return HTML, history_year_page(now, int(parts[1]))
    if len(parts) == 3 and parts[0] == "incidents" and parts[1].isdigit():
        if parts[2] == "index.html":
            return HTML, incident_page(now, int(parts[1]))
        if parts[2] == "feed.atom":
            return ATOM, atom_incident(now, int(parts[1]))
    raise NotFound("No such page.")


def all_paths() -> list[str]:
    """Every public page and feed, for the static export."""
    paths = list(FIXED)
    for platform in status_selectors.platforms():
        paths += [f"platforms/{platform.code}/feed.atom", f"platforms/{platform.code}/maintenance.ics"]
    paths += [f"history/{year}/index.html" for year in selectors.incident_years()]
    for incident_id in Incident.objects.values_list("pk", flat=True):
        paths += [f"incidents/{incident_id}/index.html", f"incidents/{incident_id}/feed.atom"]
    return paths
