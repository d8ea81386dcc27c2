"""Reads of the Solutions Center, scoped by who asks: the audiences a reader may see
(`rules.audience`) and only articles whose publication time has come. An article a
reader may not see answers 404, as if it did not exist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from casedesk.accounts.permissions import customer_contact, is_staff
from casedesk.core import clock
from casedesk.core.errors import NotFound
from casedesk.rules import audience as rules
from casedesk.solutions.models import Article, ArticleFile, Category, Guide


def reader_of(user: Any) -> rules.Reader:
    if is_staff(user):
        return rules.Reader.STAFF
    if customer_contact(user) is not None:
        return rules.Reader.CUSTOMER
    return rules.Reader.ANONYMOUS


def audiences_of(user: Any) -> frozenset[str]:
    return frozenset(a.value for a in rules.audiences(reader_of(user)))


def live(user: Any, now: datetime | None = None) -> QuerySet[Article]:
    """The articles this reader may read now."""
    return Article.objects.filter(audience__in=sorted(audiences_of(user)), publish_at__lte=now or clock.now())


def get_article(user: Any, slug: str) -> Article:
    article = live(user).select_related("category").filter(slug=slug).first()
    if article is None:
        raise NotFound("There is no such article.")
    return article


def categories(user: Any) -> list[Category]:
    """Categories with the number of articles this reader may read in each (one query);
    a category with none for them is left out."""
    now = clock.now()
    visible = Q(articles__audience__in=sorted(audiences_of(user)), articles__publish_at__lte=now)
    return [
        c
        for c in Category.objects.annotate(shown=Count("articles", filter=visible)).order_by(
            "position", "name"
        )
        if c.shown
    ]


def category_choices(user: Any) -> list[Category]:
    """The categories with an article for this reader (a search filter): one EXISTS each,
    answered by the category index, so it costs the same at any number of articles."""
    shown = live(user).filter(category=OuterRef("pk"))
    return list(Category.objects.filter(Exists(shown)).order_by("position", "name"))


def in_category(user: Any, category: Category) -> QuerySet[Article]:
    return live(user).filter(category=category).order_by("title")


def file_for(user: Any, file_id: int) -> ArticleFile:
    """A file of an article the reader may read (an editor: of any article)."""
    qs = ArticleFile.objects.select_related("article")
    found = qs.filter(pk=file_id, article__in=live(user)).first()
    if found is None and is_staff(user):
        found = qs.filter(pk=file_id).first()
    if found is None:
        raise NotFound("There is no such file.")
    return found


def editable(user: Any, article_id: int) -> Article:
    """An article for its editors (staff), whatever its state."""
    if not is_staff(user):
        raise NotFound("There is no such article.")
    article = Article.objects.select_related("category").filter(pk=article_id).first()
    if article is None:
        raise NotFound("There is no such article.")
    return article


def guides(user: Any) -> dict[str, Article]:
    """The how-to article of each MACD change type ("seat:add") this reader may read now;
    a change type whose guide is a draft, scheduled or not for them has none (one query)."""
    rows = Guide.objects.filter(article__in=live(user)).select_related("article")
    return {g.change_type: g.article for g in rows}
