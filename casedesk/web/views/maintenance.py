"""Console pages for maintenance windows and status webhooks: list, create, cancel a window
or one occurrence, move an occurrence, attach a follow-up; add and remove webhooks. Staff
only; every write is a status action, every refusal a 400 page that says why."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casedesk.accounts.models import Platform
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.rules import schedule
from casedesk.rules.permissions import Ability
from casedesk.status import maintenance, selectors, webhooks
from casedesk.status.models import Impact, MaintenanceKind, MaintenanceWindow, OccurrenceState
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


class WindowForm(forms.Form):
    kind = forms.ChoiceField(choices=MaintenanceKind.choices)
    title = forms.CharField(max_length=200)
    platforms = forms.ModelMultipleChoiceField(
        queryset=Platform.objects.none(), label="Products affected", widget=forms.SelectMultiple
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    expected_impact = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    impact = forms.ChoiceField(choices=Impact.choices, initial=Impact.MAINTENANCE, label="Impact level")
    first_day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="An end not after the start ends on the next day (22:00-04:00).",
    )
    recurrence = forms.ChoiceField(choices=RECURRENCE_CHOICES, initial=PLAN)
    custom_rrule = forms.CharField(
        required=False, max_length=200, label="Custom RRULE", help_text="e.g. FREQ=MONTHLY;BYDAY=+2WE"
    )
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Until (last day)"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platforms"].queryset = Platform.objects.filter(active=True).order_by("name")  # type: ignore[attr-defined]

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


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=500, label="URL", assume_scheme="https")
    platform = forms.CharField(required=False)


def _plan_defaults() -> list[dict[str, str]]:
    return [
        {
            "kind": kind,
            "label": label,
            "rule": schedule.in_words(rule),
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
        }
        for kind, label in MaintenanceKind.choices
        for rule, start, end in [schedule.PLAN_RULES[kind]]
    ]


def _describe(windows: list[MaintenanceWindow]) -> list[MaintenanceWindow]:
    for window in windows:
        window.rule_words = schedule.in_words(window.rrule)  # type: ignore[attr-defined]
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
    return render(
        request,
        "console/maintenance_new.html",
        {"form": form, "plan": _plan_defaults(), "error": error},
        status=status,
    )


@staff_can(Ability.MAINTENANCE)
def window_new(request: AuthedRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, WindowForm())
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
        )
    except Refused as exc:
        return _form_page(request, form, str(exc), status=exc.status_code)
    if window.kind == MaintenanceKind.UNSCHEDULED:
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
    maintenance.reschedule(occ, by=request.user, start=start, end=end)
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
