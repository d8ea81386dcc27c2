"""The console's side of the Solutions Center: the article list, writing and scheduling an
article (also from a case's resolution), its revisions with a diff and restore, its files,
and the report (views, helpful votes, deflections, searches that found nothing)."""

from __future__ import annotations

import difflib
from datetime import datetime

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casedesk.cases import selectors as case_selectors
from casedesk.core import clock
from casedesk.core.errors import NotFound, Refused
from casedesk.helpcenter.forms import ArticleForm, DeleteArticleForm
from casedesk.rules import audience as rules
from casedesk.rules.inventory import CHANGE_TYPES
from casedesk.solutions import actions, selectors
from casedesk.solutions.models import Article, Category, Miss, Revision
from casedesk.web.forms import uploads_from
from casedesk.web.views.common import AuthedRequest, form_errors, staff_can, staff_required
from casedesk.web.views.listing import page_number

PAGE = 50


@staff_required
def article_list(request: AuthedRequest) -> HttpResponse:
    term = request.GET.get("q", "").strip()
    qs = Article.objects.select_related("category").order_by("-updated_at", "-id")
    if term:
        qs = qs.filter(Q(title__icontains=term) | Q(slug__icontains=term))
    page = page_number(request)
    rows = list(qs[(page - 1) * PAGE : page * PAGE + 1])
    now = clock.now()
    shown = [(row, rules.state(row.publish_at, now)) for row in rows[:PAGE]]
    return render(
        request,
        "helpcenter/console_list.html",
        {"articles": shown, "has_next": len(rows) > PAGE, "page": page, "term": term},
    )


def _publish_at(form: ArticleForm) -> datetime | None:
    state = form.cleaned_data["state"]
    if state == "draft":
        return None
    if state == "now":
        return clock.now()
    return form.cleaned_data["publish_at"]


def _initial_from_case(request: AuthedRequest) -> dict[str, object]:
    number = request.GET.get("case", "")
    if not number:
        return {}
    case = case_selectors.get_case(request.user, number)
    body = f"## The problem\n\n{case.description}\n\n## The answer\n\n{case.resolution or ''}\n"
    return {"title": case.title, "body": body, "source_case": case.number, "audience": "customers"}


def _edit(request: AuthedRequest, article: Article | None) -> HttpResponse:
    category = Category.objects.order_by("position").first()
    initial: dict[str, object] = {"audience": "customers", "state": "draft", "category": category}
    if article is not None:
        state = rules.state(article.publish_at, clock.now())
        initial = {
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "category": article.category,
            "platforms": list(article.platforms.all()),
            "audience": article.audience,
            "change_types": list(article.guides.values_list("change_type", flat=True)),
            "state": {"draft": "draft", "published": "now", "scheduled": "at"}[state],
            "publish_at": article.publish_at if state == "scheduled" else None,
            "revision": article.revision,
        }
    else:
        initial.update(_initial_from_case(request))
    form = ArticleForm(request.POST or None, initial=initial)
    error = None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            publish_at = (
                article.publish_at
                if (
                    article is not None
                    and data["state"] == "now"
                    and article.publish_at
                    and article.publish_at <= clock.now()
                )
                else _publish_at(form)
            )
            try:
                saved = actions.save_article(
                    by=request.user,
                    article=article,
                    title=data["title"],
                    summary=data["summary"],
                    body=data["body"],
                    category=data["category"],
                    platforms=data["platforms"],
                    audience=data["audience"],
                    publish_at=publish_at,
                    note=data["note"],
                    source_case=data.get("source_case") or "",
                    expected_revision=data.get("revision"),
                    change_types=data["change_types"],
                )
            except Refused as exc:
                error = str(exc)
            else:
                messages.success(request, f"Saved “{saved.title}” as revision {saved.revision}.")
                return redirect(reverse("kbconsole:edit", kwargs={"article_id": saved.pk}))
        else:
            error = form_errors(form)
    return render(
        request,
        "helpcenter/console_edit.html",
        {
            "form": form,
            "article": article,
            "error": error,
            "files": list(article.files.all()) if article else [],
        },
        status=400 if error else 200,
    )


@staff_can(actions.EDITOR)
def article_new(request: AuthedRequest) -> HttpResponse:
    return _edit(request, None)


@staff_can(actions.EDITOR)
def article_edit(request: AuthedRequest, article_id: int) -> HttpResponse:
    return _edit(request, selectors.editable(request.user, article_id))


@staff_can(actions.EDITOR)
def article_delete(request: AuthedRequest, article_id: int) -> HttpResponse:
    """A confirm page (GET) and the deletion (POST), which asks why."""
    article = selectors.editable(request.user, article_id)
    form = DeleteArticleForm(request.POST or None)
    error = None
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.delete_article(article, by=request.user, reason=form.cleaned_data["reason"])
            except Refused as exc:
                error = str(exc)
            else:
                messages.success(request, f"Deleted “{article.title}”.")
                return redirect(reverse("kbconsole:list"))
        else:
            error = form_errors(form)
    return render(
        request,
        "helpcenter/console_delete.html",
        {
            "article": article,
            "form": form,
            "error": error,
            "counts": {
                "revisions": article.revisions.count(),
                "files": article.files.count(),
                "feedback": article.feedback.count(),
                "guides": [changes_label(g) for g in article.guides.values_list("change_type", flat=True)],
            },
        },
        status=400 if error else 200,
    )


def changes_label(key: str) -> str:
    return GUIDE_LABELS.get(key, key)


GUIDE_LABELS = {ct.key: ct.label for ct in CHANGE_TYPES.values()}


def _diff(old: Revision | None, new: Revision) -> list[tuple[str, str]]:
    """(kind, line) for the change from `old` to `new`: "add", "del", "same" or "hunk"."""
    before = f"# {old.title}\n\n{old.summary}\n\n{old.body}".splitlines() if old else []
    after = f"# {new.title}\n\n{new.summary}\n\n{new.body}".splitlines()
    lines = []
    for line in list(difflib.unified_diff(before, after, lineterm="", n=2))[2:]:
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        lines.append((kind, line))
    return lines


@staff_required
def revisions(request: AuthedRequest, article_id: int) -> HttpResponse:
    article = selectors.editable(request.user, article_id)
    all_revisions = list(article.revisions.select_related("by"))
    chosen = None
    try:
        number = int(request.GET.get("r", "")) if request.GET.get("r") else all_revisions[0].number
    except ValueError:
        number = all_revisions[0].number
    by_number = {r.number: r for r in all_revisions}
    chosen = by_number.get(number)
    if chosen is None:
        raise NotFound("There is no such revision.")
    previous = max(
        (r for r in all_revisions if r.number < chosen.number), key=lambda r: r.number, default=None
    )
    return render(
        request,
        "helpcenter/console_revisions.html",
        {
            "article": article,
            "revisions": all_revisions,
            "chosen": chosen,
            "previous": previous,
            "diff": _diff(previous, chosen),
        },
    )


@staff_can(actions.EDITOR)
@require_POST
def restore(request: AuthedRequest, article_id: int, revision_id: int) -> HttpResponse:
    article = selectors.editable(request.user, article_id)
    revision = article.revisions.filter(pk=revision_id).first()
    if revision is None:
        raise NotFound("There is no such revision.")
    saved = actions.restore(article, revision, by=request.user)
    messages.success(request, f"Revision {revision.number} restored as revision {saved.revision}.")
    return redirect(reverse("kbconsole:revisions", kwargs={"article_id": saved.pk}))


@staff_can(actions.EDITOR)
@require_POST
def add_files(request: AuthedRequest, article_id: int) -> HttpResponse:
    article = selectors.editable(request.user, article_id)
    uploads = uploads_from(request.FILES.getlist("files"))
    if not uploads:
        raise Refused("Choose a file to add.")
    names = []
    for upload in uploads:
        stored = actions.add_file(article, upload, by=request.user)
        names.append(stored.name)
    messages.success(request, f"Added {', '.join(names)}. Link it in the text as shown under Files.")
    return redirect(reverse("kbconsole:edit", kwargs={"article_id": article.pk}) + "#files")


@staff_required
def report(request: AuthedRequest) -> HttpResponse:
    articles = list(
        Article.objects.filter(publish_at__isnull=False)
        .select_related("category")
        .order_by("-deflections", "-views", "title")[:200]
    )
    misses = list(Miss.objects.order_by("-count", "-last_at")[:50])
    return render(request, "helpcenter/console_report.html", {"articles": articles, "misses": misses})
