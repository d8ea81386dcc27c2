"""The case pages' facts card (status, priority, people, clocks), rendered in Python for
the portal's and the console's case pages alike: the template it replaces was a fifth of
the case page's template time. As in `timeline_html`, every value goes through
`format_html`, so it is escaped as a template would escape it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil

from casedesk.core import when
from casedesk.rules.triage import Priority
from casedesk.sla import terms
from casedesk.status.templatetags.status_tags import master_case_of
from casedesk.web.safe_html import format_html

DASH = "—"
CADENCE_SOURCES = {
    "requested": "as the customer asked",
    "agreement": "the organisation's agreement",
    "vendor": "the vendor's targets",
    "policy": "the plan's target",
}


def update_cadence(case: Any) -> str:
    """How often the case is owed updates, and whose terms say so."""
    every, source = terms.update_every(
        case.priority, case.vendor, case.organisation_id, case.requested_update_minutes
    )
    return f"every {every} ({CADENCE_SOURCES[source]})"


def due(at: datetime, now: datetime) -> SafeString:
    """A deadline with its countdown (`web/_due.html` for the templates; the same markup)."""
    iso = dateformat.format(timezone.localtime(at), "c")
    late = at < now
    left = f"overdue by {timesince(at, now)}" if late else f"in {timeuntil(at, now)}"
    return format_html(
        '<time class="due{}" datetime="{}" data-due="{}">{}</time>'
        ' <span class="countdown muted" data-due="{}">{}</span>',
        " overdue" if late else "",
        iso,
        iso,
        when.human(at),
        iso,
        left,
    )


def _row(term: str, value: Any, testid: str = "") -> SafeString:
    if testid:
        return format_html('\n  <dt>{}</dt><dd data-testid="{}">{}</dd>', term, testid, value)
    return format_html("\n  <dt>{}</dt><dd>{}</dd>", term, value)


def render(case: Any, now: datetime) -> SafeString:
    rows: list[SafeString] = []
    master = master_case_of(case)
    if master is not None:
        incident = master.incident
        next_update = (
            format_html(" · next update due {}", when.human(incident.next_update_due, "time"))
            if incident.next_update_due
            else ""
        )
        rows.append(
            _row(
                "Master case",
                format_html(
                    'part of master case {}: {}{} · <a href="/status/incidents/{}/">status page</a>',
                    master.number,
                    incident.title,
                    next_update,
                    incident.pk,
                ),
                "master",
            )
        )
    rows.append(
        _row(
            "Status",
            format_html(
                '<span class="status status-{}" data-testid="status">{}</span>',
                case.status,
                case.status_label,
            ),
        )
    )
    if case.kind == "macd":
        rows.append(
            _row(
                "Kind",
                format_html(
                    'MACD request · <span class="badge" data-testid="approval">{}</span>',
                    case.get_approval_display(),
                ),
            )
        )
    else:
        triage = SafeString(' <span class="badge">awaiting review</span>') if case.needs_triage else ""
        rows.append(
            _row(
                "Priority",
                format_html(
                    '<span class="prio prio-{}" data-testid="priority">{}</span>{}',
                    case.priority,
                    case.get_priority_display(),
                    triage,
                ),
            )
        )
    rows.append(_row("Organisation", case.organisation.name))
    contact = case.contact
    delegate = (
        format_html(
            ' <span class="badge partner">{}, for {}</span>',
            contact.delegate_of.organisation.name,
            case.organisation.name,
        )
        if contact.delegate_of_id
        else ""
    )
    rows.append(_row("Contact", format_html("{}{}", contact.name, delegate)))
    rows.append(_row("Platform", case.platform.name if case.platform and case.platform.name else DASH))
    rows.append(_row("Channel", case.get_channel_display()))
    rows.append(_row("Team", case.team.name if case.team and case.team.name else DASH))
    rows.append(_row("Assignee", case.assignee.display_name if case.assignee else DASH, "assignee"))
    if case.first_response_due:
        rows.append(_row("First response due", due(case.first_response_due, now)))
    if case.completion_due:
        rows.append(_row("Completion due", due(case.completion_due, now), "completion-due"))
    if case.next_update_due:
        rows.append(_row("Next update due", due(case.next_update_due, now)))
    if case.is_open and case.priority != Priority.P1G.value:
        rows.append(_row("Updates", update_cadence(case), "updates"))
    if case.sla_paused and case.is_open:
        rows.append(_row("SLA clocks", SafeString('<span class="badge">paused</span>')))
    if case.auto_close_at:
        closes = (
            "Closes as resolved if no reply" if case.status == "resolved_follow_up" else "Closes if no reply"
        )
        rows.append(_row(closes, due(case.auto_close_at, now)))
    if case.escalation_level:
        rows.append(_row("Escalation level", case.escalation_level, "escalation-level"))
    rows.append(_row("Opened", when.human(case.opened_at)))
    if case.closed_at:
        rows.append(_row("Closed", when.human(case.closed_at)))
    if case.etr:
        rows.append(_row("Estimated resolution", when.human(case.etr)))
    if case.on_hold_until:
        rows.append(_row("On hold until", when.human(case.on_hold_until)))
    if case.vendor:
        ticket = format_html(" · ticket {}", case.vendor_ticket) if case.vendor_ticket else ""
        rows.append(_row("Vendor", format_html("{}{}", case.vendor, ticket)))
    if case.tracking_number:
        rows.append(_row("Shipping", format_html("{} {}", case.shipping_carrier, case.tracking_number)))
    if case.duplicate_of_id:
        rows.append(_row("Duplicate of", case.duplicate_of_number))
    if case.follow_up_of_id:
        rows.append(_row("Follow-up of", case.follow_up_of_number))
    if case.resolution:
        rows.append(_row("Resolution", linebreaksbr(case.resolution)))
    return format_html('<dl class="facts">{}\n</dl>', SafeString("".join(rows)))
