"""Articles for the tests, written through the actions as an editor would."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from casedesk.solutions import actions
from casedesk.solutions.models import Category
from tests.factories import StaffFactory

_editor = None


def category(name: str = "How-tos") -> Category:
    found, _ = Category.objects.get_or_create(slug=name.lower().replace(" ", "-"), defaults={"name": name})
    return found


def article(title: str, body: str = "Text.", *, audience: str = "public", draft: bool = False, **kw):
    editor = kw.pop("by", None) or StaffFactory()
    publish_at = None if draft else kw.pop("publish_at", timezone.now() - timedelta(minutes=1))
    return actions.save_article(
        by=editor,
        title=title,
        body=body,
        category=kw.pop("category", None) or category(),
        audience=audience,
        publish_at=publish_at,
        **kw,
    )
