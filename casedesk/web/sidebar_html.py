"""The console case page's side forms (disposition, status, title and platform, update
interval, details, links, master case, escalation, reopening), rendered in Python rather
than through Django's form widgets and the template engine: a form built only to render
costs its fields' copies, a template per widget, option and attribute list, and was the
larger part of the page's rendering. The options come from what the page read already
(`case_page.lists`); posted forms are still parsed and checked by `forms` (the select lists
here offer, the form fields validate against the tables). As in `timeline_html`, every
value goes through `format_html`, so it is escaped as a template would escape it; the
controls are the ones Django's widgets gave (names, ids, types, lengths, what is selected).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.forms.utils import to_current_timezone
from django.utils.safestring import SafeString, mark_safe

from casedesk.core.links import reverse
from casedesk.rules import triage
from casedesk.rules.permissions import Ability
from casedesk.web.forms import TRANSITION_FIELDS_FOR
from casedesk.web.safe_html import format_html, format_html_join

EMPTY = mark_safe("")
SELECTED = mark_safe(" selected")
NO_CHOICE = "---------"  # what a ModelChoiceField offers for none
_DATETIME = forms.DateTimeInput()  # only its formatting of a value, as the form showed it


@dataclass(frozen=True)
class Sidebar:
    """What the side forms show, all of it read by the page already."""

    case: Any
    may: Mapping[str, bool]
    csrf_token: str
    held: frozenset[Ability]  # the reader's abilities: which priorities to offer
    teams: list[tuple[int, str]]
    staff: list[tuple[int, str]]
    targets: list[Any]  # the statuses the case may move to
    platforms: list[Any]
    related: list[Any]
    follow_ups: list[Any]
    duplicates: list[Any]
    escalation: Mapping[str, Any]
    escalation_contacts: list[Any]
    posted_form: str = ""  # after a refusal: the form that was sent and what it held
    posted: Mapping[str, Any] | None = None


def _options(choices: Iterable[tuple[Any, str]], selected: str) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, SELECTED if str(value) == selected else "", label) for value, label in choices),
    )


def _select(name: str, choices: Iterable[tuple[Any, str]], value: Any) -> SafeString:
    """A select as `forms.Select` renders one for a field of this name (none chosen: the
    empty choice is selected)."""
    selected = "" if value is None else str(value)
    return format_html('<select name="{}" id="id_{}">{}</select>', name, name, _options(choices, selected))


def _text_input(name: str, value: Any, maxlength: int | None = None, kind: str = "text") -> SafeString:
    """An input as `forms.TextInput` (or `DateTimeInput`) renders one: no value when empty."""
    shown = format_html(' value="{}"', value) if value not in ("", None) else EMPTY
    length = format_html(' maxlength="{}"', maxlength) if maxlength else EMPTY
    return format_html('<input type="{}" name="{}"{}{} id="id_{}">', kind, name, shown, length, name)


def _datetime_value(value: datetime | None) -> str | None:
    if value is None:
        return None
    # As a form's initial value: without microseconds, on the reader's clock, in the
    # input format.
    return str(_DATETIME.format_value(to_current_timezone(value.replace(microsecond=0))))


def _csrf(token: str) -> SafeString:
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


class _Page:
    def __init__(self, side: Sidebar) -> None:
        self.side = side
        self.case = side.case
        self.number = side.case.number
        self.csrf = _csrf(side.csrf_token)
        self.posted = side.posted or {}

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"console:{name}", args=[self.number, *args])

    def was_posted(self, form: str) -> bool:
        return self.side.posted_form == form

    def posted_value(self, key: str) -> str:
        value = self.posted.get(key, "")
        return value if isinstance(value, str) else ""

    def disposition(self) -> SafeString:
        may, case = self.side.may, self.case
        if not (may["dispose"] or may["route"]):
            return EMPTY
        priority = EMPTY
        if may["dispose"]:
            current = case.priority
            offered = triage.settable(self.side.held, triage.Priority(current) if current else None)
            choices = [(p.value, p.label) for p in offered]
            select = _select("priority", choices, current)
            priority = format_html("\n      <label>Priority {}</label>", select)
        return format_html(
            '\n    <form method="post" action="{}" class="stack card" id="disposition">{}\n'
            "      <h3>{}</h3>{}\n"
            "      <label>Team {}</label>\n"
            "      <label>Assignee {}</label>\n"
            '      <button type="submit">{}</button>\n'
            "    </form>",
            self.url("disposition"),
            self.csrf,
            "Disposition" if may["dispose"] else "Route",
            priority,
            _select("team", [("", NO_CHOICE), *self.side.teams], case.team_id),
            _select("assignee", [("", NO_CHOICE), *self.side.staff], case.assignee_id),
            "Save disposition" if may["dispose"] else "Save routing",
        )

    def transition(self) -> SafeString:
        targets = self.side.targets
        if not targets:
            return EMPTY
        posted = self.was_posted("transition")

        def typed(key: str) -> str:
            return self.posted_value(key) if posted else ""

        def value(key: str) -> SafeString:
            return format_html(' value="{}"', self.posted_value(key)) if posted else EMPTY

        chosen = typed("to")
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((t.value, SELECTED if posted and chosen == t.value else "", t.label) for t in targets),
        )
        needs = TRANSITION_FIELDS_FOR
        return format_html(
            '\n    <form method="post" action="{}" class="stack card" id="transition">{}\n'
            "      <h3>Status</h3>\n"
            '      <label>Move to <select name="to" data-controls>{}</select></label>\n'
            '      <label>Note to the customer <textarea name="note" rows="2">{}</textarea></label>\n'
            '      <label data-when="{}">Resolution <span class="muted">(Closed)</span> '
            '<textarea name="resolution" rows="2">{}</textarea></label>\n'
            '      <label data-when="{}">Hold until <span class="muted">(On Hold)</span> '
            '<input type="datetime-local" name="hold_until"{}></label>\n'
            '      <label data-when="{}">Main case <span class="muted">(Duplicate)</span> '
            '<input name="main_case" placeholder="CS-000000"{}></label>\n'
            '      <label data-when="{}">Carrier <span class="muted">(Shipping)</span> '
            '<input name="shipping_carrier"{}></label>\n'
            '      <label data-when="{}">Tracking number <span class="muted">(Shipping)</span> '
            '<input name="tracking_number"{}></label>\n'
            '      <button type="submit">Change status</button>\n'
            "    </form>",
            self.url("transition"),
            self.csrf,
            options,
            typed("note"),
            needs["resolution"],
            typed("resolution"),
            needs["hold_until"],
            value("hold_until"),
            needs["main_case"],
            value("main_case"),
            needs["shipping_carrier"],
            value("shipping_carrier"),
            needs["tracking_number"],
            value("tracking_number"),
        )

    def correct(self) -> SafeString:
        if not self.side.may["work"]:
            return EMPTY
        case = self.case
        title = self.posted_value("title") if self.was_posted("correct") else case.title
        platforms = [(p.pk, p.name) for p in self.side.platforms]
        selected = "" if case.platform_id is None else str(case.platform_id)
        return format_html(
            '\n    <form method="post" action="{}" class="stack card" id="correct">{}\n'
            "      <h3>Title and platform</h3>\n"
            '      <label>Title <input name="title" maxlength="200" required value="{}"></label>\n'
            '      <label>Platform <select name="platform"><option value="">None yet</option>{}</select>'
            "</label>\n"
            '      <button type="submit" class="secondary">Save title and platform</button>\n'
            "    </form>",
            self.url("correct"),
            self.csrf,
            title,
            _options(platforms, selected),
        )

    def update_interval(self) -> SafeString:
        case = self.case
        if not (self.side.may["work"] and case.is_open):
            return EMPTY
        minutes = case.requested_update_minutes
        return format_html(
            '\n    <form method="post" action="{}" class="stack card" id="update-interval">{}\n'
            "      <h3>Updates as requested</h3>\n"
            '      <p class="muted">When the customer asks for updates more often than the policy gives '
            "them.</p>\n"
            '      <label>Every (minutes) <input type="number" name="minutes" min="1" value="{}" '
            'placeholder="as the policy"></label>\n'
            '      <button type="submit" class="secondary">Save interval</button>\n'
            "    </form>",
            self.url("update_interval"),
            self.csrf,
            "" if minutes is None else minutes,
        )

    def details(self) -> SafeString:
        if not self.side.may["work"]:
            return EMPTY
        case = self.case
        return format_html(
            '\n    <form method="post" action="{}" class="stack card" id="details">{}\n'
            "      <h3>Vendor, ETR, shipping</h3>\n"
            "      <label>Vendor {}</label>\n"
            "      <label>Vendor ticket {}</label>\n"
            "      <label>Estimated resolution {}</label>\n"
            "      <label>Carrier {}</label>\n"
            "      <label>Tracking number {}</label>\n"
            '      <button type="submit">Save details</button>\n'
            "    </form>",
            self.url("details"),
            self.csrf,
            _text_input("vendor", case.vendor, 120),
            _text_input("vendor_ticket", case.vendor_ticket, 120),
            _text_input("etr", _datetime_value(case.etr), kind="datetime-local"),
            _text_input("shipping_carrier", case.shipping_carrier, 60),
            _text_input("tracking_number", case.tracking_number, 80),
        )

    def links(self) -> SafeString:
        side = self.side
        listed = format_html_join(
            "",
            '\n        <li>{}: <a href="{}">{}</a> {}</li>',
            (
                (label, reverse("console:case", args=[c.number]), c.number, c.title)
                for label, rows in (
                    ("Related", side.related),
                    ("Follow-up", side.follow_ups),
                    ("Duplicate", side.duplicates),
                )
                for c in rows
            ),
        )
        forms_html = EMPTY
        if side.may["work"]:
            action = self.url("link")
            unlink = format_html_join(
                "",
                '\n      <form method="post" action="{}" class="inline-form" '
                'data-confirm="Remove the link between {} and {}?">{}\n'
                '        <input type="hidden" name="other" value="{}">'
                '<input type="hidden" name="unlink" value="on">\n'
                '        <button type="submit" class="danger small">Unlink {}</button>\n'
                "      </form>",
                ((action, self.number, c.number, self.csrf, c.number, c.number) for c in side.related),
            )
            forms_html = format_html(
                '{}\n      <form method="post" action="{}" class="stack">{}\n'
                '        <label>Relate to case <input name="other" placeholder="CS-000000" required>'
                "</label>\n"
                '        <button type="submit" class="secondary">Relate</button>\n'
                "      </form>",
                unlink,
                action,
                self.csrf,
            )
        return format_html(
            '\n    <div class="card">\n      <h3>Links</h3>\n      <ul>{}\n      </ul>{}\n    </div>',
            listed,
            forms_html,
        )

    def promote(self) -> SafeString:
        case = self.case
        if not (case.is_open and self.side.may["master"] and case.priority != triage.Priority.P1G.value):
            return EMPTY
        return format_html(
            '\n    <form method="post" action="{}" class="stack card" id="promote">{}\n'
            "      <h3>One issue, many organisations?</h3>\n"
            '      <label>First public update <textarea name="body" rows="2"></textarea></label>\n'
            '      <button type="submit" class="secondary">Make it a master case (Priority 1G)</button>\n'
            "    </form>",
            self.url("promote"),
            self.csrf,
        )

    def escalate(self) -> SafeString:
        if not (self.case.is_open and self.side.may["escalate"]):
            return EMPTY
        escalation = self.side.escalation
        reached = escalation.get("reached") or []
        paths = escalation.get("paths") or []
        levels = (
            format_html(
                '\n      <ul class="muted" data-testid="escalation-levels">{}</ul>',
                format_html_join("", "<li>{}: level {}</li>", ((p.label, p.level) for p in reached)),
            )
            if reached
            else EMPTY
        )
        choose = (
            format_html(
                '\n      <label>Path <select name="path">{}</select></label>',
                format_html_join(
                    "",
                    '<option value="{}"{}>{}</option>',
                    ((p.kind, SELECTED if i == 0 else "", p.label) for i, p in enumerate(paths)),
                ),
            )
            if paths
            else EMPTY
        )
        return format_html(
            '\n    <form method="post" action="{}" class="stack card">{}\n'
            "      <h3>Escalate</h3>{}{}\n"
            '      <label>Reason (required) <textarea name="reason" rows="2" required></textarea></label>\n'
            '      <button type="submit" class="secondary">Escalate to the next level</button>\n'
            "    </form>",
            self.url("escalate"),
            self.csrf,
            levels,
            choose,
        )

    def escalation_list(self) -> SafeString:
        people = self.side.escalation_contacts
        if people:
            rows = format_html_join(
                "",
                "\n        <li><strong>{}</strong>{}{}{}</li>",
                (
                    (
                        e.name,
                        format_html(", {}", e.title) if e.title else "",
                        format_html("<br>{}", e.phone) if e.phone else "",
                        format_html('<br><a href="mailto:{}">{}</a>', e.email, e.email) if e.email else "",
                    )
                    for e in people
                ),
            )
            listed = format_html('<ol class="escalation-list">{}\n      </ol>', rows)
        else:
            listed = mark_safe('<p class="muted">The organisation has named no one to escalate to.</p>')
        return format_html(
            '\n    <div class="card" data-testid="customer-escalation">\n'
            "      <h3>Customer's escalation list</h3>\n"
            '      <p class="muted">People at {} support may escalate to, in order.</p>\n'
            "      {}\n"
            "    </div>",
            self.case.organisation.name,
            listed,
        )

    def reopen(self) -> SafeString:
        if self.case.is_open or not self.side.may["reopen"]:
            return EMPTY
        return format_html(
            '\n    <form method="post" action="{}" class="stack card">{}\n'
            "      <h3>Caller asks to reopen</h3>\n"
            '      <label>What the caller asks, and why (required) <textarea name="note" rows="2" required>'
            "</textarea></label>\n"
            '      <button type="submit" class="secondary">Record request</button>\n'
            "    </form>",
            self.url("reopen"),
            self.csrf,
        )


def render(side: Sidebar) -> SafeString:
    """The side forms and cards below the participants, in the page's order."""
    page = _Page(side)
    parts = (
        page.disposition(),
        page.transition(),
        page.correct(),
        page.update_interval(),
        page.details(),
        page.links(),
        page.promote(),
        page.escalate(),
        page.escalation_list(),
        page.reopen(),
    )
    return mark_safe("".join(parts))  # noqa: S308 - each part is built by format_html
