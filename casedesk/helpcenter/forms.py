from __future__ import annotations

from typing import Any

from django import forms

from casedesk.accounts.models import Platform
from casedesk.rules.inventory import CHANGE_TYPES
from casedesk.solutions.models import AUDIENCE_CHOICES, Category

STATE_CHOICES = [("draft", "Draft"), ("now", "Published now"), ("at", "Published from a time")]


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=200)
    summary = forms.CharField(max_length=300, required=False, help_text="One sentence shown in lists.")
    body = forms.CharField(
        label="Text (Markdown)", widget=forms.Textarea(attrs={"rows": 18}), max_length=200_000
    )
    category = forms.ModelChoiceField(queryset=Category.objects.all())
    platforms = forms.ModelMultipleChoiceField(
        queryset=Platform.objects.filter(active=True), required=False, widget=forms.CheckboxSelectMultiple
    )
    audience = forms.ChoiceField(choices=AUDIENCE_CHOICES)
    change_types = forms.MultipleChoiceField(
        choices=[(ct.key, ct.label) for ct in CHANGE_TYPES.values()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="How-to guide for these MACD changes",
        help_text="Shown beside the change on MACD request forms; a change has one guide, so ticking "
        "one here moves it from its current guide.",
    )
    state = forms.ChoiceField(choices=STATE_CHOICES, label="Publication")
    publish_at = forms.DateTimeField(
        required=False,
        label="Publish from (for a scheduled article)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(max_length=200, required=False, label="What changed (kept with the revision)")
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
    source_case = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("state") == "at" and not data.get("publish_at"):
            self.add_error("publish_at", "A scheduled article needs the time it is published from.")
        return data


class DeleteArticleForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Why it is deleted (kept as the record)")
