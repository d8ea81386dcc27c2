"""Form parsing for the pages. Forms only shape input; the rules are in the actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from casedesk.accounts.models import Contact, Platform, Team, User
from casedesk.cases.models import PRIORITY_CHOICES, STATUS_CHOICES
from casedesk.core.uploads import Upload
from casedesk.rules import triage
from casedesk.rules.lifecycle import CLOSED_STATUSES
from casedesk.rules.permissions import Ability


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def uploads_from(files: list[UploadedFile]) -> list[Upload]:
    return [Upload(name=f.name or "", content=f.read(), content_type=f.content_type or "") for f in files]


class CustomerCaseForm(forms.Form):
    platform = forms.ModelChoiceField(queryset=Platform.objects.none(), required=False)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))
    attachments = MultipleFileField(label="Attachments")

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = organisation.platforms.filter(active=True)  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    attachments = MultipleFileField(label="Attachments")
    internal = forms.BooleanField(required=False, label="Internal note (staff only)")
    asks_customer = forms.BooleanField(required=False, label="Waiting on the customer")


class ReopenForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=STATUS_CHOICES)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    hold_until = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    tracking_number = forms.CharField(required=False, max_length=80)
    shipping_carrier = forms.CharField(required=False, max_length=60)
    main_case = forms.CharField(required=False, max_length=20, label="Main case number")


# Which targets each status-form field is for (what `rules.lifecycle.check_transition` asks
# of them); the page shows a field only for its targets when scripts run.
TRANSITION_FIELDS_FOR = {
    "resolution": "closed",
    "hold_until": "on_hold",
    "main_case": "duplicate",
    "shipping_carrier": "shipping",
    "tracking_number": "shipping",
}


def offer_priorities(
    field: forms.Field, held: frozenset[Ability], current: str | None = None, blank: str = ""
) -> None:
    """Offer the priorities the rules let `held` set (and the current one). The field still
    accepts any priority, so that a refused one reaches the action and is refused with why."""
    offered = triage.settable(held, triage.Priority(current) if current else None)
    choices = [("", blank)] if blank else []
    field.widget.choices = [*choices, *[(p.value, p.label) for p in offered]]


class RoutingChoices(forms.Form):
    """A form with `team` and `assignee` choice fields that a page fills from its own lists."""

    def offer(self, *, teams: list[tuple[int, str]], staff: list[tuple[int, str]]) -> None:
        """Show these choices, as a page read them with its other lists (no query of its
        own); a posted form is still checked against the tables."""
        for name, rows in (("team", teams), ("assignee", staff)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.choices = [("", field.empty_label or ""), *rows]


class DispositionForm(RoutingChoices):
    """Priority (left out: unchanged), team and assignee. Those who may only route see no
    priority; those who may not set P1 are not offered it."""

    priority = forms.ChoiceField(choices=[("", ""), *PRIORITY_CHOICES], required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_staff=True, is_active=True).order_by("first_name"), required=False
    )

    def __init__(self, *args: Any, held: frozenset[Ability] = frozenset(), current: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        offer_priorities(self.fields["priority"], held, current)
        self.sets_priority = Ability.DISPOSE in held
        self.routes = Ability.ROUTE in held


class DetailsForm(forms.Form):
    vendor = forms.CharField(required=False, max_length=120)
    vendor_ticket = forms.CharField(required=False, max_length=120, label="Vendor ticket reference")
    etr = forms.DateTimeField(
        required=False,
        label="Estimated time of resolution",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    shipping_carrier = forms.CharField(required=False, max_length=60)
    tracking_number = forms.CharField(required=False, max_length=80)


class UpdateIntervalForm(forms.Form):
    """The update interval the customer asked for, in minutes; blank withdraws it."""

    minutes = forms.IntegerField(required=False, min_value=1, max_value=60 * 24 * 30)


class LinkForm(forms.Form):
    other = forms.CharField(max_length=20, label="Case number")
    unlink = forms.BooleanField(required=False)


class ParticipantForm(forms.Form):
    """Someone to copy on a case: a contact of its organisation, or (staff) an address."""

    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False)
    address = forms.CharField(required=False, max_length=254, label="E-mail address")

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(  # type: ignore[attr-defined]
            organisation_id=organisation_id, active=True
        )


class StaffCaseForm(RoutingChoices):
    contact = forms.IntegerField(widget=forms.HiddenInput)
    platform = forms.ModelChoiceField(queryset=Platform.objects.filter(active=True), required=False)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False)
    priority = forms.ChoiceField(
        choices=[("", f"{triage.UNTRIAGED.label}, awaiting review"), *PRIORITY_CHOICES], required=False
    )
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_staff=True, is_active=True), required=False
    )
    attachments = MultipleFileField(label="Attachments")

    def __init__(self, *args: Any, held: frozenset[Ability] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_priorities(self.fields["priority"], held, blank=f"{triage.UNTRIAGED.label}, awaiting review")
        self.sets_priority = Ability.DISPOSE in held
        self.routes = Ability.ROUTE in held


class BulkForm(forms.Form):
    """One change for the selected cases; only the field the change needs is read."""

    change = forms.ChoiceField(
        choices=[
            ("assign", "Assign to"),
            ("team", "Set team"),
            ("priority", "Set priority"),
            ("status", "Move to status"),
            ("duplicate", "Mark as duplicates of"),
        ]
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_staff=True, is_active=True), required=False
    )
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    priority = forms.ChoiceField(choices=[("", ""), *PRIORITY_CHOICES], required=False)
    to = forms.ChoiceField(choices=[("", ""), *STATUS_CHOICES], required=False)
    note = forms.CharField(required=False, max_length=2000)
    resolution = forms.CharField(required=False, max_length=2000)
    main_case = forms.CharField(required=False, max_length=20)


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=80, label="View name")
    queue = forms.CharField(max_length=20)
    query = forms.CharField(max_length=1000, required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, label="Share with team")

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class CorrectionForm(forms.Form):
    """Staff correct a case's title and platform."""

    title = forms.CharField(max_length=200)
    platform = forms.ModelChoiceField(queryset=Platform.objects.none(), required=False)

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = organisation.platforms.filter(active=True)  # type: ignore[attr-defined]


CLOSED_VALUES = {s.value for s in CLOSED_STATUSES}
