"""The Solutions Center's pages: the home page, a category, an article with its feedback
form and files, the search page and the suggestions the new-case form and the console ask
for. Each reads through `solutions.selectors`/`finding`, so an article beyond the reader's
audience answers 404 and never shows in a list, count or snippet.

Counters (an article's views, a search that found nothing, suggestions shown and opened)
are written on reading: they are tallies of reading, not state anyone changes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casedesk.accounts.permissions import customer_contact
from casedesk.core.errors import NotFound, Refused
from casedesk.rules.audience import Reader, audiences
from casedesk.solutions import actions, finding, selectors
from casedesk.solutions.models import Category
from casedesk.web.views.listing import page_number

PAGE = 10
CUSTOMER_AUDIENCES = frozenset(a.value for a in audiences(Reader.CUSTOMER))


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    popular = selectors.live(user).order_by("-views", "title")[:6]
    return render(
        request,
        "helpcenter/home.html",
        {"categories": selectors.categories(user), "popular": popular, "search_page": True},
    )


def category(request: HttpRequest, slug: str) -> HttpResponse:
    found = Category.objects.filter(slug=slug).first()
    articles = list(selectors.in_category(request.user, found)) if found else []
    if not articles:  # a category with nothing for this reader is as absent as an unknown one
        raise NotFound("There is no such category.")
    return render(request, "helpcenter/category.html", {"category": found, "articles": articles})


def search(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("q", "").strip()
    page = page_number(request)
    results = finding.search(
        request.user, term, category_id=_int(request.GET.get("category")), page=page, size=PAGE
    )
    if term and not results.hits and page == 1:
        actions.note_miss(term)
    return render(
        request,
        "helpcenter/search.html",
        {
            "term": term,
            "results": results,
            "page": page,
            "has_next": results.has_next,
            "categories": selectors.category_choices(request.user),
            "category_id": _int(request.GET.get("category")),
            "search_page": True,
        },
    )


def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.get_article(request.user, slug)
    actions.count_view(found)
    token = request.GET.get("s", "")
    if token and customer_contact(request.user) is not None:
        actions.suggestion_opened(token, found, user=request.user)
    return render(
        request,
        "helpcenter/article.html",
        {
            "article": found,
            "files": list(found.files.all()),
            "platforms": list(found.platforms.all()),
            "thanks": request.GET.get("thanks") == "1",
        },
    )


@require_POST
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.get_article(request.user, slug)
    answer = request.POST.get("helpful")
    if answer not in ("yes", "no"):
        raise Refused("Choose Yes or No: was the article helpful?")
    actions.give_feedback(
        found,
        helpful=answer == "yes",
        comment=request.POST.get("comment", ""),
        user=request.user,
        client=_client(request),
    )
    return redirect(reverse("solutions:article", kwargs={"slug": found.slug}) + "?thanks=1#feedback")


def download(request: HttpRequest, file_id: int) -> FileResponse:
    stored = selectors.file_for(request.user, file_id)
    # An image keeps its type so that the article can show it (its bytes were checked to
    # be one); anything else is bytes to save. Never rendered as a page either way.
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.name,
        content_type=stored.content_type if stored.is_image else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response


def _hits(results: finding.Results, token: str) -> list[dict[str, Any]]:
    suffix = f"?s={token}" if token else ""
    return [
        {
            "title": str(hit.title),
            "snippet": str(hit.snippet),
            "url": reverse("solutions:article", kwargs={"slug": hit.article.slug}) + suffix,
            "path": reverse("solutions:article", kwargs={"slug": hit.article.slug}),
            "plain_title": hit.article.title,
            # For a reply e-mailed to a customer: the address the desk is reached at.
            "link": settings.CASEDESK_BASE_URL.rstrip("/")
            + reverse("solutions:article", kwargs={"slug": hit.article.slug}),
        }
        for hit in results.hits
    ]


def suggest(request: HttpRequest) -> JsonResponse:
    """The best few articles for the text typed, as JSON (title and snippet are escaped HTML
    with <mark>). POST from the new-case form with its token remembers that suggestions were
    shown to this customer (the start of a possible deflection)."""
    data = request.POST if request.method == "POST" else request.GET
    # "for=customers": staff linking an article in a reply see only what the customer can open.
    narrowed = CUSTOMER_AUDIENCES if data.get("for") == "customers" else None
    results = finding.suggest(request.user, data.get("q", ""), audiences=narrowed)
    token = ""
    if request.method == "POST" and results.hits and customer_contact(request.user) is not None:
        token = request.POST.get("token", "")
        actions.suggestions_shown(token, user=request.user)
    return JsonResponse({"text": results.text, "corrected": results.corrected, "hits": _hits(results, token)})
