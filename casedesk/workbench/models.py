"""What an agent keeps for their work: named views of the queues and saved replies, each
their own or their team's. Saved views are written only through `saved_views.py`, saved
replies only in the admin (`admin.py`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SavedView(models.Model):
    """A queue with its filters and sort, under a name: the agent's own, or shared with a
    team they belong to. The filters are kept as the query string the queue page reads, so
    a view opens exactly the page that was saved."""

    name = models.CharField(max_length=80)
    queue = models.CharField(max_length=20)
    query = models.CharField(max_length=1000, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="saved_views"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], condition=Q(team__isnull=True), name="saved_view_personal_name"
            ),
            models.UniqueConstraint(
                fields=["team", "name"], condition=Q(team__isnull=False), name="saved_view_team_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SavedReply(models.Model):
    """A canned response with placeholders (`{contact.first_name}`, `{case.number}`, ...):
    an agent's own (owner set), a team's (team set), or everyone's (neither)."""

    title = models.CharField(max_length=80)
    body = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_replies",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="saved_replies"
    )

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "saved replies"
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(team__isnull=True), name="saved_reply_owner_or_team"
            )
        ]

    def __str__(self) -> str:
        return self.title
