"""Every write of the Solutions Center: articles (each save a revision, kept with who and
when: the audit trail), restoring a revision, files, feedback, views, searches that found
nothing and the suggestions shown while a case is written. Console pages, the demo and
sweeps call these; nothing else writes the models."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import slugify

from casedesk.accounts import permissions
from casedesk.accounts.models import Platform
from casedesk.accounts.permissions import is_staff
from casedesk.core import clock, throttle
from casedesk.core.errors import Forbidden, NotFound, RateLimited, Refused
from casedesk.core.uploads import Upload, check_upload, remove_after_commit
from casedesk.rules import audience as rules
from casedesk.rules import inventory as inventory_rules
from casedesk.rules.permissions import Ability
from casedesk.rules.text import has_control
from casedesk.solutions import finding, markdown
from casedesk.solutions.models import (
    IMAGE_TYPES,
    Article,
    ArticleFile,
    Category,
    Feedback,
    Guide,
    Miss,
    Removal,
    Revision,
    Suggestion,
)

TITLE_MAX = 200
SUMMARY_MAX = 300
BODY_MAX = 200_000
COMMENT_MAX = 2_000
# "Was this helpful?" from one client: this many answers an hour (a comment box is a way in
# for spam); `core.throttle` keeps the count in the shared cache.
FEEDBACK_PER_HOUR = 20
EDITOR = Ability.WORK_CASE  # technicians, managers and administrators write articles
IMAGE_MAGIC = {
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "image/gif": b"GIF8",
    "image/webp": b"RIFF",
}


def require_editor(by: Any) -> None:
    if not is_staff(by):
        raise Forbidden("Only support staff write articles.")
    permissions.require(by, EDITOR)


def _line(value: str, what: str, limit: int, *, required: bool) -> str:
    value = (value or "").strip()
    if has_control(value):
        raise Refused(f"The {what} must be a single line, without line breaks, tabs or control characters.")
    if required and not value:
        raise Refused(f"The {what} is required.")
    if len(value) > limit:
        raise Refused(f"The {what} is {len(value)} characters long; at most {limit} are allowed.")
    return value


def _audience(value: str) -> str:
    try:
        return rules.Audience(value).value
    except ValueError:
        names = ", ".join(a.value for a in rules.Audience)
        raise Refused(f"No audience {value!r}; the audiences are {names}.") from None


def _slug(title: str, article_id: int | None) -> str:
    base = slugify(title)[:100] or "article"
    slug, n = base, 1
    others = Article.objects.exclude(pk=article_id) if article_id is not None else Article.objects.all()
    while others.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _lock(article_id: int) -> Article:
    found = Article.objects.select_for_update().filter(pk=article_id).first()
    if found is None:
        raise NotFound("There is no such article.")
    return found


def save_article(
    *,
    by: Any,
    title: str,
    body: str,
    category: Category,
    audience: str,
    summary: str = "",
    platforms: Iterable[Platform] = (),
    publish_at: datetime | None = None,
    article: Article | None = None,
    note: str = "",
    source_case: str = "",
    expected_revision: int | None = None,
    change_types: Iterable[str] | None = None,
) -> Article:
    """Create or change an article, as a new revision. `publish_at` None keeps it a draft; a
    time to come schedules it. `expected_revision` (the revision the editor started from)
    refuses a save over someone else's newer one rather than losing it. `change_types`
    (None: as they were) makes it the how-to guide of those MACD change types, taking each
    over from the article that was its guide."""
    require_editor(by)
    guides = None if change_types is None else _change_types(change_types)
    title = _line(title, "title", TITLE_MAX, required=True)
    summary = _line(summary, "summary", SUMMARY_MAX, required=False)
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise Refused("The article's text is required.")
    if len(body) > BODY_MAX:
        raise Refused(f"The article's text is {len(body)} characters long; at most {BODY_MAX} are allowed.")
    audience = _audience(audience)
    note = _line(note, "note", 200, required=False)
    now = clock.now()
    with transaction.atomic():
        before: tuple[str, str] | None = None
        if article is None:
            row = Article(created_at=now, revision=0, source_case=source_case)
        else:
            row = _lock(article.pk)
            before = (row.title, row.audience)
            if expected_revision is not None and row.revision != expected_revision:
                raise Refused(
                    f"The article was changed meanwhile (revision {row.revision}, you started from "
                    f"{expected_revision}); open it again to see the change, your text is below."
                )
        row.title, row.summary, row.body, row.category, row.audience = (
            title,
            summary,
            body,
            category,
            audience,
        )
        row.body_html, row.body_text = markdown.render(body), markdown.plain(body)
        row.publish_at, row.updated_at, row.updated_by = publish_at, now, by
        row.revision += 1
        row.slug = row.slug or _slug(title, row.pk)
        row.save()
        row.platforms.set(list(platforms))
        if guides is not None:
            _set_guides(row, guides)
        Revision.objects.create(
            article=row,
            number=row.revision,
            title=title,
            summary=summary,
            body=body,
            audience=audience,
            note=note or ("Created" if row.revision == 1 else ""),
            by=by,
            at=now,
        )
        finding.engine().refresh([row.pk])
        if before is not None and before != (row.title, row.audience):
            # The old title's words stay typo corrections only while some article of that
            # audience still has them: a title made staff-only leaves no public trace.
            finding.engine().forget(*before)
    return row


def _change_types(keys: Iterable[str]) -> list[str]:
    known = {ct.key for ct in inventory_rules.CHANGE_TYPES.values()}
    wanted = sorted({str(k).strip() for k in keys if str(k).strip()})
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise Refused(f"There is no MACD change type {unknown[0]!r}.")
    return wanted


def _set_guides(article: Article, keys: Sequence[str]) -> None:
    Guide.objects.filter(article=article).exclude(change_type__in=keys).delete()
    for key in keys:
        Guide.objects.update_or_create(change_type=key, defaults={"article": article})


def delete_article(article: Article, *, by: Any, reason: str) -> Removal:
    """Delete an article with its revisions, files, feedback, guides and search entries,
    keeping a `Removal` row (who, when, why) as the record. Readers of its address get 404;
    the stored files are removed once the deletion has committed."""
    require_editor(by)
    reason = _line(reason, "reason", 300, required=True)
    with transaction.atomic():
        row = _lock(article.pk)
        stored = [f.file.name for f in row.files.all() if f.file]
        removal = Removal.objects.create(
            article_id=row.pk,
            slug=row.slug,
            title=row.title,
            audience=row.audience,
            revisions=row.revision,
            reason=reason,
            by=by,
            at=clock.now(),
        )
        title, audience, pk = row.title, row.audience, row.pk
        row.delete()
        finding.engine().drop([pk])
        finding.engine().forget(title, audience)
        remove_after_commit(ArticleFile._meta.get_field("file").storage, stored)
    return removal


def restore(article: Article, revision: Revision, *, by: Any) -> Article:
    """Make an earlier revision's text the current one, as a new revision (nothing lost)."""
    require_editor(by)
    if revision.article_id != article.pk:
        raise NotFound("There is no such revision.")
    return save_article(
        by=by,
        article=article,
        title=revision.title,
        summary=revision.summary,
        body=revision.body,
        category=article.category,
        audience=revision.audience,
        platforms=list(article.platforms.all()),
        publish_at=article.publish_at,
        note=f"Restored revision {revision.number}",
    )


def _image_ok(upload: Upload, content_type: str) -> bool:
    magic = IMAGE_MAGIC.get(content_type)
    return magic is not None and upload.content.startswith(magic)


def add_file(article: Article, upload: Upload, *, by: Any) -> ArticleFile:
    """A file or image for an article, checked by the desk's allow-list first (nothing is
    written for a refused one). An image is served as an image only if its bytes are one."""
    require_editor(by)
    name, content_type = check_upload(upload)
    if content_type in IMAGE_TYPES and not _image_ok(upload, content_type):
        content_type = "application/octet-stream"
    with transaction.atomic():
        row = _lock(article.pk)
        stored = ArticleFile(
            article=row,
            name=name,
            content_type=content_type,
            size=upload.size,
            sha256=upload.sha256,
            uploaded_by=by,
            created_at=clock.now(),
        )
        stored.file.save(name, ContentFile(upload.content), save=False)
        stored.save()
    return stored


def _reader_key(user: Any, client: str) -> str:
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return "client:" + throttle.key("reader", client).rsplit(":", 1)[-1]


def give_feedback(article: Article, *, helpful: bool, comment: str, user: Any, client: str) -> Feedback:
    """One reader's answer to "was this helpful?"; a second answer replaces the first (the
    counters move with it). At most FEEDBACK_PER_HOUR answers an hour from one client."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise Refused(f"The comment is {len(comment)} characters long; at most {COMMENT_MAX} are allowed.")
    if throttle.hit(throttle.key("kb-feedback", client), 3600) > FEEDBACK_PER_HOUR:
        raise RateLimited("Thank you; we have had many answers from you this hour, please try again later.")
    reader = _reader_key(user, client)
    user_row = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        row = _lock(article.pk)
        before = Feedback.objects.select_for_update().filter(article=row, reader=reader).first()
        if before is not None:
            field = "helpful_yes" if before.helpful else "helpful_no"
            Article.objects.filter(pk=row.pk).update(**{field: F(field) - 1})
            before.helpful, before.comment, before.at, before.user = helpful, comment, clock.now(), user_row
            before.save()
            saved = before
        else:
            saved = Feedback.objects.create(
                article=row, helpful=helpful, comment=comment, user=user_row, reader=reader, at=clock.now()
            )
        field = "helpful_yes" if helpful else "helpful_no"
        Article.objects.filter(pk=row.pk).update(**{field: F(field) + 1})
    return saved


def count_view(article: Article) -> None:
    """A reader opened the article: a counter, one UPDATE, no read."""
    Article.objects.filter(pk=article.pk).update(views=F("views") + 1)


_SPACES = re.compile(r"\s+")


def note_miss(text: str) -> None:
    """A search that found nothing, counted under its normalised text."""
    text = _SPACES.sub(" ", text.lower()).strip()[:200]
    if not text:
        return
    now = clock.now()
    updated = Miss.objects.filter(text=text).update(count=F("count") + 1, last_at=now)
    if not updated:
        try:
            with transaction.atomic():
                Miss.objects.create(text=text, count=1, first_at=now, last_at=now)
        except IntegrityError:  # another request counted it first
            Miss.objects.filter(text=text).update(count=F("count") + 1, last_at=now)


# -- deflection ----------------------------------------------------------------------------

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_form_token() -> str:
    """The random token a new-case form carries (nothing is stored until suggestions show)."""
    return secrets.token_urlsafe(24)


def suggestions_shown(token: str, *, user: Any) -> None:
    """Suggestions were shown on the form of this token: remembered once per form."""
    if not TOKEN_RE.match(token or ""):
        return
    Suggestion.objects.get_or_create(token=token, defaults={"user": user, "shown_at": clock.now()})


def suggestion_opened(token: str, article: Article, *, user: Any) -> None:
    """The customer opened a suggested article: the first opening counts."""
    if not TOKEN_RE.match(token or ""):
        return
    Suggestion.objects.filter(token=token, user=user, opened_at__isnull=True, decided_at__isnull=True).update(
        article=article, opened_at=clock.now()
    )


def case_submitted(token: str, case_number: str, *, user: Any) -> None:
    """The form was sent and opened a case: not a deflection if it came within 30 minutes."""
    if not TOKEN_RE.match(token or ""):
        return
    Suggestion.objects.filter(token=token, user=user, submitted_at__isnull=True).update(
        case_number=case_number, submitted_at=clock.now()
    )


def decide_deflections(now: datetime, *, batch: int = 500) -> int:
    """Decide the suggestions whose article was opened 30 minutes ago or more: a deflection
    when no case was sent from the form by then, counted once on the article. One range
    scan of the partial index; each row decided under its lock, so two sweeps never count
    twice. Returns the deflections counted."""
    due = now - timedelta(minutes=rules.DEFLECTION_MINUTES)
    counted = 0
    ids: Sequence[int] = list(
        Suggestion.objects.filter(decided_at__isnull=True, opened_at__lte=due)
        .order_by("opened_at")
        .values_list("pk", flat=True)[:batch]
    )
    with transaction.atomic():
        for row in Suggestion.objects.select_for_update().filter(pk__in=ids, decided_at__isnull=True):
            verdict = rules.deflected(row.opened_at, row.submitted_at, now)
            if verdict is None:
                continue
            row.deflected, row.decided_at = verdict, now
            row.save(update_fields=["deflected", "decided_at"])
            if verdict and row.article_id:
                Article.objects.filter(pk=row.article_id).update(deflections=F("deflections") + 1)
                counted += 1
    return counted
