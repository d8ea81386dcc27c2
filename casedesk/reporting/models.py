"""The reports' summary tables, derived from the typed case history only (`upkeep`): a
case's facts as the history has them so far, and counts per day and dimension. A sweep
keeps them current behind the case actions (never on their lock path), and
`rebuild_reports` regenerates them from the history alone."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casedesk.rules.lifecycle import OPEN_STATUSES

OPEN_VALUES = sorted(s.value for s in OPEN_STATUSES)


class Watermark(models.Model):
    """How far the summaries have read the history: the last case event folded in."""

    name = models.CharField(max_length=40, primary_key=True)
    last_event = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at event {self.last_event}"


class CaseFact(models.Model):
    """One case as its history tells it so far (dimension keys are plain ids, 0 for none,
    so the figures' unique key holds without NULLs)."""

    case_id = models.BigIntegerField(primary_key=True)
    organisation_id = models.IntegerField()
    platform_id = models.IntegerField(default=0)
    team_id = models.IntegerField(default=0)
    assignee_id = models.IntegerField(default=0)
    priority = models.CharField(max_length=3)
    channel = models.CharField(max_length=10)
    kind = models.CharField(max_length=8)
    status = models.CharField(max_length=24)
    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    reopened = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # The open cases now, with every column the backlog and load figures filter and
            # group on: an index-only scan of the open set.
            models.Index(
                fields=["status", "opened_at"],
                condition=Q(status__in=OPEN_VALUES),
                name="fact_open",
                include=[
                    "organisation_id",
                    "platform_id",
                    "team_id",
                    "assignee_id",
                    "priority",
                    "channel",
                    "kind",
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.case_id} ({self.status})"


class Measure(models.TextChoices):
    OPENED = "opened", "Opened"
    RESOLVED = "resolved", "Resolved"
    REOPENED = "reopened", "Reopened"
    FIRST_RESPONSE = "first_response", "First response"
    UPDATE = "update", "Update"
    # Into and out of the open backlog (opened, reopened from closed, or moved between
    # dimensions while open; closed or moved away).
    BACKLOG_IN = "backlog_in", "Entered the backlog"
    BACKLOG_OUT = "backlog_out", "Left the backlog"


class DayFigure(models.Model):
    """A count, and the sum of its durations, for one day (the desk's time zone) and one
    combination of dimensions; `agent_id` is the one who replied (responses) or held the
    case (resolutions), `bucket` the duration's histogram bucket (`upkeep.BUCKETS`) so
    medians and percentiles come from counts."""

    day = models.DateField()
    measure = models.CharField(max_length=16, choices=Measure.choices)
    organisation_id = models.IntegerField()
    platform_id = models.IntegerField(default=0)
    team_id = models.IntegerField(default=0)
    agent_id = models.IntegerField(default=0)
    priority = models.CharField(max_length=3)
    channel = models.CharField(max_length=10)
    kind = models.CharField(max_length=8)
    bucket = models.SmallIntegerField(default=0)
    count = models.IntegerField(default=0)
    seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                # Measure first: every read asks for some measures over a range of days.
                fields=[
                    "measure",
                    "day",
                    "organisation_id",
                    "platform_id",
                    "team_id",
                    "agent_id",
                    "priority",
                    "channel",
                    "kind",
                    "bucket",
                ],
                name="dayfigure_key",
            )
        ]
        indexes = [models.Index(fields=["organisation_id", "day"], name="dayfigure_org_day")]

    def __str__(self) -> str:
        return f"{self.measure} on {self.day}: {self.count}"


class Subscription(models.Model):
    """A manager's scheduled e-mail of one report with its filters."""

    class Every(models.TextChoices):
        WEEK = "week", "Weekly"
        MONTH = "month", "Monthly"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    report = models.CharField(max_length=20)
    filters = models.JSONField(default=dict, blank=True)
    every = models.CharField(max_length=5, choices=Every.choices)
    created_at = models.DateTimeField()
    # The start of the last period sent, so each period is sent once.
    sent_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.report} {self.every} for {self.user_id}"
