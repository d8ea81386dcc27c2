"""The Solutions Center: articles with their revisions, files and feedback, what readers
searched and the suggestions shown while a customer wrote a case. Writes go through
`casedesk.solutions.actions`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from casedesk.rules.audience import Audience

AUDIENCE_CHOICES = [(a.value, a.label) for a in Audience]


class Category(models.Model):
    """A shelf of the Solutions Center ("Hosted Voice how-tos", "Public information")."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=100, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """One article; its text as written (Markdown) and as shown (sanitised HTML, made once
    per save). On PostgreSQL the table also carries `tsv`, a stored generated tsvector
    (title A, summary B, body C) under a GIN index (migration 0001); on SQLite the text is
    also in the FTS5 table `solutions_article_fts`, written by the actions."""

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True, help_text="One sentence shown in lists.")
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(editable=False, default="")
    body_text = models.TextField(editable=False, default="")  # without the marks: searched, quoted
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    platforms = models.ManyToManyField("accounts.Platform", blank=True, related_name="articles")
    audience = models.CharField(max_length=10, choices=AUDIENCE_CHOICES, default=Audience.CUSTOMERS.value)
    # None: a draft. A time to come: scheduled. Readers see an article once it has come; a
    # query-time filter on this indexed column, so no sweep has to publish anything.
    publish_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # From a case's resolution (the case's number, kept as text: the article outlives it).
    source_case = models.CharField(max_length=20, blank=True)
    # Counters, bumped with F() updates (no read-modify-write).
    views = models.PositiveIntegerField(default=0)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    deflections = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["audience", "publish_at"], name="article_live"),
            models.Index(fields=["category", "audience", "publish_at"], name="article_category_live"),
        ]

    def __str__(self) -> str:
        return self.title


class Revision(models.Model):
    """What an article said at each save: restoring one saves it again as a new revision."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    audience = models.CharField(max_length=10, choices=AUDIENCE_CHOICES)
    note = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="revision_once")]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


def file_path(instance: ArticleFile, filename: str) -> str:
    # The stored name is made here, never taken from the uploader.
    return f"solutions/{instance.article_id}/{uuid.uuid4().hex}"


class ArticleFile(models.Model):
    """A file or image of an article, checked by `core.uploads` before it is stored."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=file_path, max_length=255)
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class Feedback(models.Model):
    """ "Was this helpful?" with an optional comment; one per reader and article (a second
    answer replaces the first), anonymous readers by a hash of their client."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reader = models.CharField(max_length=64, help_text="The user's id or a hash of the client.")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "feedback"
        constraints = [models.UniqueConstraint(fields=["article", "reader"], name="feedback_once")]

    def __str__(self) -> str:
        return f"{'yes' if self.helpful else 'no'} on {self.article_id}"


class Miss(models.Model):
    """A search that found nothing, counted per normalised text: what staff should write."""

    text = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        ordering = ["-count", "text"]
        verbose_name_plural = "misses"

    def __str__(self) -> str:
        return self.text


class Suggestion(models.Model):
    """One new-case form a customer wrote while articles were suggested: the form's own
    random token, when suggestions were first shown, the article opened from them, and the
    case if one was opened. The deflections sweep decides it once the 30 minutes after the
    opening have passed (`decided_at`), and counts it on the article."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    shown_at = models.DateTimeField()
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    case_number = models.CharField(max_length=20, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    deflected = models.BooleanField(null=True)

    class Meta:
        ordering = ["-shown_at"]
        indexes = [
            # The sweep's range scan: opened, not yet decided, by when it was opened.
            models.Index(
                fields=["opened_at"], name="suggestion_undecided", condition=Q(decided_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.token[:8]


class Guide(models.Model):
    """The article that shows customers how to make one MACD change type themselves
    (`rules.inventory.CHANGE_TYPES`, keyed "kind:op" as MACD requests store them): one
    article per change type, chosen on the article's page. Request forms, the request's
    panel and the API link it beside the change."""

    change_type = models.CharField(max_length=40, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="guides")

    def __str__(self) -> str:
        return self.change_type


class Removal(models.Model):
    """What is kept of a deleted article: its name, who deleted it, when and why. The
    article, its revisions, files, feedback and search entries go; this row is the record."""

    article_id = models.PositiveBigIntegerField()
    slug = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    audience = models.CharField(max_length=10, choices=AUDIENCE_CHOICES)
    revisions = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.title
