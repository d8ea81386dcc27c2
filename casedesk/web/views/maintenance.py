"""Console pages for maintenance windows and status webhooks: list, create, cancel a window
or one occurrence, move an occurrence, attach a follow-up; add and remove webhooks. Staff
only; every write is a status action, every refusal a 400 page that says why."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casedesk.accounts import selectors as accounts
from casedesk.accounts.models import Platform
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.rules import schedule
from casedesk.rules.permissions import Ability
from casedesk.status import maintenance, selectors, webhooks
from casedesk.status.models import (
    EXPECTED_IMPACT,
    MaintenanceKind,
    MaintenanceKindPolicy,
    MaintenanceWindow,
    OccurrenceState,
)
from casedesk.web.views.common import AuthedRequest, form_errors, staff_can

PLAN = "plan"
ONCE = "once"
CUSTOM = "custom"
RECURRENCE_CHOICES = [
    (PLAN, "The plan's rule for this kind"),
    (schedule.MONTHLY_THIRD_FRIDAY, "The third Friday of every month"),
    (schedule.WEEKLY_FRIDAY, "Every Friday"),
    (schedule.EVERY_THIRD_TUESDAY, "Every third Tuesday"),
    (ONCE, "Once (does not recur)"),
    (CUSTOM, "Custom RRULE (below)"),
]
LOCAL_INPUT = "%Y-%m-%dT%H:%M"
DENVER_KEY = schedule.DENVER.key


class WindowForm(forms.Form):
    kind = forms.ChoiceField(choices=MaintenanceKind.choices)
    title = forms.CharField(max_length=200)
    platforms = forms.ModelMultipleChoiceField(
        queryset=Platform.objects.none(), label="Products affected", widget=forms.SelectMultiple
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    impact = forms.ChoiceField(
        choices=list(EXPECTED_IMPACT.items()),
        label="Expected impact",
        help_text="Only no customer impact leaves the products operational on the status page meanwhile.",
    )
    expected_impact = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Impact details"
    )
    first_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="An end not after the start ends on the next day (22:00-04:00).",
    )
    business_hours_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="During business hours, because",
        help_text=f"Unscheduled maintenance is best effort outside {maintenance.business_hours(DENVER_KEY)}; "
        "a window inside those hours records why, and its notices say so.",
    )
    recurrence = forms.ChoiceField(choices=RECURRENCE_CHOICES, initial=PLAN)
    custom_rrule = forms.CharField(
        required=False, max_length=200, label="Custom RRULE", help_text="e.g. FREQ=MONTHLY;BYDAY=+2WE"
    )
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Until (last day)"
    )
    notify_start = forms.BooleanField(required=False, label="Notice when each occurrence begins")
    notify_completion = forms.BooleanField(required=False, label="Notice when each occurrence completes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platforms"].queryset = accounts.active_platforms()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("recurrence")
        if choice == PLAN:
            rule = schedule.PLAN_RULES.get(data.get("kind", ""), ("", None, None))[0]
        elif choice == ONCE:
            rule = ""
        elif choice == CUSTOM:
            text = (data.get("custom_rrule") or "").strip()
            if not text:
                self.add_error("custom_rrule", "Give the custom rule, e.g. FREQ=WEEKLY;BYDAY=SA.")
                return data
            try:
                rule = schedule.validate_rule(text)
            except schedule.ScheduleError as exc:
                self.add_error("custom_rrule", str(exc))
                return data
        else:
            rule = choice or ""
        data["rrule"] = rule
        first, until = data.get("first_day"), data.get("until")
        if first and until and until < first:
            self.add_error("until", "The last day is before the first day.")
        return data


class RescheduleForm(forms.Form):
    start = forms.DateTimeField(input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"])
    end = forms.DateTimeField(input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"])
    business_hours_reason = forms.CharField(required=False)


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=500, label="URL", assume_scheme="https")
    platform = forms.CharField(required=False)


def _lead_words(lead: timedelta) -> str:
    if lead < timedelta(days=2) or lead % timedelta(days=1):
        return f"{lead // timedelta(hours=1)} hours"
    return "a week" if lead == timedelta(days=7) else f"{lead.days} days"


def _notice_words(lead: timedelta | None, at_once: bool, at_start: bool, at_completion: bool) -> str:
    parts = [f"{_lead_words(lead)} before"] if lead is not None else []
    steps = [(at_once, "as soon as entered"), (at_start, "when each occurrence begins")]
    parts += [words for on, words in [*steps, (at_completion, "at completion")] if on]
    return "; ".join(parts) or "none"


def _first_day(policy: MaintenanceKindPolicy, now: datetime) -> date:
    # Work kept outside business hours starts by default at the next 23:00.
    moment = schedule.next_quiet_start(now) if policy.quiet_hours else now
    return moment.astimezone(schedule.DENVER).date()


def _plan_defaults(policies: dict[str, MaintenanceKindPolicy]) -> list[dict[str, Any]]:
    now = clock.now()
    return [
        {
            "kind": kind,
            "label": label,
            "rule": schedule.in_words(rule),
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
            "day": f"{_first_day(p, now):%Y-%m-%d}",
            "impact": p.default_impact,
            "impact_label": EXPECTED_IMPACT[p.default_impact],
            "notify_start": p.notify_start,
            "notify_completion": p.notify_completion,
            "quiet": p.quiet_hours,
            "notices": _notice_words(
                p.reminder_lead, p.announce_on_entry, p.notify_start, p.notify_completion
            ),
        }
        for kind, label in MaintenanceKind.choices
        for rule, start, end in [schedule.PLAN_RULES[kind]]
        for p in [policies[kind]]
    ]


def _describe(windows: list[MaintenanceWindow]) -> list[MaintenanceWindow]:
    policies = selectors.kind_policies()
    for window in windows:
        window.rule_words = schedule.in_words(window.rrule)  # type: ignore[attr-defined]
        policy = policies[window.kind]
        window.notice_words = _notice_words(  # type: ignore[attr-defined]
            policy.reminder_lead if maintenance.notice_due(window, policy, "reminder") else None,
            maintenance.notice_due(window, policy, "announced"),
            window.notify_start,
            window.notify_completion,
        )
        window.quiet_hours = policy.quiet_hours  # type: ignore[attr-defined]
    return windows


@staff_can(Ability.MAINTENANCE)
def maintenance_list(request: AuthedRequest) -> HttpResponse:
    now = clock.now()
    return render(
        request,
        "console/maintenance_list.html",
        {
            "windows": _describe(selectors.console_windows(now)),
            "in_progress": selectors.maintenance_in_progress(),
            "upcoming": selectors.maintenance_upcoming(now),
        },
    )


def _form_page(request: AuthedRequest, form: WindowForm, error: str = "", status: int = 200) -> HttpResponse:
    plan = _plan_defaults(selectors.kind_policies())
    kind = form["kind"].value()
    quiet = any(row["quiet"] for row in plan if row["kind"] == kind)
    return render(
        request,
        "console/maintenance_new.html",
        {"form": form, "plan": plan, "error": error, "quiet": quiet},
        status=status,
    )


def _initial(kind: str) -> dict[str, Any]:
    """The form as the kind's plan and policy fill it."""
    policy = selectors.kind_policy(kind)
    _, start, end = schedule.PLAN_RULES[kind]
    return {
        "kind": kind,
        "first_day": _first_day(policy, clock.now()),
        "start_time": start,
        "end_time": end,
        "impact": policy.default_impact,
        "notify_start": policy.notify_start,
        "notify_completion": policy.notify_completion,
    }


@staff_can(Ability.MAINTENANCE)
def window_new(request: AuthedRequest) -> HttpResponse:
    if request.method != "POST":
        kind = request.GET.get("kind", "")
        return _form_page(
            request,
            WindowForm(initial=_initial(kind if kind in MaintenanceKind.values else MaintenanceKind.MONTHLY)),
        )
    form = WindowForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, form_errors(form), status=400)
    data = form.cleaned_data
    try:
        window = maintenance.create_window(
            by=request.user,
            kind=data["kind"],
            title=data["title"],
            platforms=data["platforms"],
            description=data["description"],
            justification=data["justification"],
            expected_impact=data["expected_impact"],
            impact=data["impact"],
            rrule=data["rrule"],
            first_day=data["first_day"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            until=data["until"],
            notify_start=data["notify_start"],
            notify_completion=data["notify_completion"],
            business_hours_reason=data["business_hours_reason"],
        )
    except Refused as exc:
        return _form_page(request, form, str(exc), status=exc.status_code)
    if selectors.kind_policy(window.kind).announce_on_entry:
        messages.success(request, "Unscheduled maintenance entered and announced to the affected contacts.")
    else:
        messages.success(request, "Maintenance window entered.")
    return redirect("console:maintenance_window", window_id=window.pk)


@staff_can(Ability.MAINTENANCE)
def window_detail(request: AuthedRequest, window_id: int) -> HttpResponse:
    window = selectors.get_window(window_id)
    now = clock.now()
    _describe([window])
    return render(
        request,
        "console/maintenance_window.html",
        {
            "window": window,
            "occurrences": selectors.window_occurrences(window, now),
            "scheduled": OccurrenceState.SCHEDULED,
            "cancelled": OccurrenceState.CANCELLED,
        },
    )


@staff_can(Ability.MAINTENANCE)
@require_POST
def window_cancel(request: AuthedRequest, window_id: int) -> HttpResponse:
    window = selectors.get_window(window_id)
    if window.cancelled:
        raise Refused("This maintenance window is already cancelled.")
    maintenance.cancel_window(window, by=request.user)
    messages.success(request, "Maintenance window cancelled; scheduled occurrences were called off.")
    return redirect("console:maintenance_window", window_id=window.pk)


@staff_can(Ability.MAINTENANCE)
@require_POST
def occurrence_cancel(request: AuthedRequest, window_id: int, occurrence_id: int) -> HttpResponse:
    occ = selectors.get_occurrence(window_id, occurrence_id)
    maintenance.cancel_occurrence(occ, by=request.user)
    messages.success(request, "Occurrence cancelled.")
    return redirect("console:maintenance_window", window_id=window_id)


def _local(moment: datetime, zone: str) -> datetime:
    return schedule.localize(moment.replace(tzinfo=None), ZoneInfo(zone))


@staff_can(Ability.MAINTENANCE)
@require_POST
def occurrence_reschedule(request: AuthedRequest, window_id: int, occurrence_id: int) -> HttpResponse:
    occ = selectors.get_occurrence(window_id, occurrence_id)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        raise Refused(f"Give the new start and end. {form_errors(form)}")
    zone = occ.window.zone
    start, end = _local(form.cleaned_data["start"], zone), _local(form.cleaned_data["end"], zone)
    if start < clock.now():
        raise Refused("The new start is in the past.")
    maintenance.reschedule(
        occ,
        by=request.user,
        start=start,
        end=end,
        business_hours_reason=form.cleaned_data["business_hours_reason"],
    )
    messages.success(request, "Occurrence moved; the affected contacts are told.")
    return redirect("console:maintenance_window", window_id=window_id)


@staff_can(Ability.MAINTENANCE)
@require_POST
def occurrence_follow_up(request: AuthedRequest, window_id: int, occurrence_id: int) -> HttpResponse:
    occ = selectors.get_occurrence(window_id, occurrence_id)
    if occ.state == OccurrenceState.CANCELLED:
        raise Refused("This occurrence was cancelled; there is nothing to follow up.")
    maintenance.add_follow_up(occ, by=request.user, text=request.POST.get("text", ""))
    messages.success(request, "Follow-up posted.")
    return redirect("console:maintenance_window", window_id=window_id)


# --- webhooks -------------------------------------------------------------------------


def _webhook_page(
    request: AuthedRequest, *, error: str = "", added: list | None = None, secret: str = "", status: int = 200
) -> HttpResponse:
    response = render(
        request,
        "console/webhooks.html",
        {
            "hooks": selectors.webhooks(),
            "platforms": selectors.platforms(),
            "error": error,
            "added": added or [],
            "secret": secret,
            "values": request.POST if error else {},
        },
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@staff_can(Ability.MAINTENANCE)
def webhook_list(request: AuthedRequest) -> HttpResponse:
    return _webhook_page(request)


@staff_can(Ability.MAINTENANCE)
@require_POST
def webhook_add(request: AuthedRequest) -> HttpResponse:
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _webhook_page(request, error=form_errors(form), status=400)
    choice = form.cleaned_data["platform"]
    available = selectors.platforms()
    targets = available if choice == "all" else [p for p in available if str(p.pk) == choice]
    try:
        added = webhooks.add_platform_webhooks(
            by=request.user, url=form.cleaned_data["url"], platforms=targets
        )
    except Refused as exc:
        return _webhook_page(request, error=str(exc), status=exc.status_code)
    return _webhook_page(request, added=added, secret=added[0].secret)


@staff_can(Ability.MAINTENANCE)
@require_POST
def webhook_remove(request: AuthedRequest, subscription_id: int) -> HttpResponse:
    hook = selectors.get_webhook(subscription_id)
    webhooks.remove_webhook(hook, by=request.user)
    messages.success(request, f"Webhook to {hook.url} ({hook.topic}) removed.")
    return redirect("console:webhooks")
