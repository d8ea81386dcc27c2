"""How-to guides linked from MACD change types (set on the article, shown on the request
form, the request's panel and the API, only to readers of the article), and deleting an
article: a confirm page, a reason kept as the record, nothing of it left to readers or to
search, its files removed."""

from __future__ import annotations

import os
from datetime import datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from casedesk.cases.models import Case
from casedesk.core.errors import Refused
from casedesk.core.uploads import Upload
from casedesk.rules.calendar import DENVER
from casedesk.solutions import actions, finding, selectors
from casedesk.solutions.models import Article, ArticleFile, Guide, Removal, Revision
from tests.api.helpers import api_for
from tests.factories import StaffFactory
from tests.macd.helpers import submit, world
from tests.solutions.helpers import article, category

pytestmark = pytest.mark.django_db
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=DENVER)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _save(a: Article, editor, **kw) -> Article:
    fields = {
        "by": editor,
        "article": a,
        "title": a.title,
        "body": a.body,
        "category": a.category,
        "audience": a.audience,
        "publish_at": a.publish_at,
        "platforms": list(a.platforms.all()),
    }
    fields.update(kw)
    return actions.save_article(**fields)


def test_an_article_becomes_the_guide_of_change_types_and_takes_them_over():
    editor = StaffFactory()
    first = article("Add a user yourself", audience="customers", change_types=["seat:add", "seat:delete"])
    assert set(Guide.objects.filter(article=first).values_list("change_type", flat=True)) == {
        "seat:add",
        "seat:delete",
    }
    second = article("Remove a leaver", audience="customers", change_types=["seat:delete"])
    assert dict(Guide.objects.values_list("change_type", "article")) == {
        "seat:add": first.pk,
        "seat:delete": second.pk,
    }
    # Saving without the choice keeps the guides; an empty choice drops them.
    _save(first, editor, title="Add a user")
    assert Guide.objects.filter(article=first).count() == 1
    _save(first, editor, change_types=[])
    assert not Guide.objects.filter(article=first).exists()
    with pytest.raises(Refused, match="no MACD change type"):
        _save(second, editor, change_types=["seat:fly"])


def test_a_guide_is_shown_only_to_readers_of_its_article():
    w = world()
    article("Porting a number", audience="customers", change_types=["number:add"])
    article("Seat runbook", audience="staff", change_types=["seat:add"])
    article("Draft device guide", audience="customers", draft=True, change_types=["device:add"])
    assert set(selectors.guides(w.dana)) == {"number:add"}
    assert set(selectors.guides(w.tech)) == {"number:add", "seat:add"}
    assert set(selectors.guides(AnonymousUser())) == set()


@time_machine.travel(MONDAY_9, tick=False)
def test_the_request_form_the_panel_and_the_api_link_the_guide():
    w = world()
    guide = article("Add a user yourself", audience="customers", change_types=["seat:add"])
    article("Internal seat checklist", audience="staff", change_types=["seat:delete"])
    dana = client_for(w.dana)

    form = dana.get("/portal/macd/new/").content.decode()
    assert f"/solutions/a/{guide.slug}/" in form and "Internal seat checklist" not in form
    preview = dana.post(
        "/portal/macd/new/",
        {
            "title": "New hire",
            "type_0": "seat:add",
            "details_0": "Pat",
            "speed": "standard",
            "action": "preview",
        },
    ).content.decode()
    assert 'data-testid="guide"' in preview

    case = submit(w.dana, changes=[{"kind": "seat", "op": "add", "details": "Pat"}])
    page = dana.get(f"/portal/cases/{case.number}/").content.decode()
    assert f"how-to: {guide.title}" in page

    types = api_for(w.dana).get("/inventory/change-types").json()
    by_key = {f"{t['kind']}:{t['op']}": t for t in types}
    assert by_key["seat:add"]["guide"] == {"title": guide.title, "url": f"/solutions/a/{guide.slug}/"}
    assert by_key["seat:delete"]["guide"] is None  # staff-only: not for a customer
    staff_types = {f"{t['kind']}:{t['op']}": t for t in api_for(w.tech).get("/inventory/change-types").json()}
    assert staff_types["seat:delete"]["guide"]["title"] == "Internal seat checklist"


def test_the_console_form_sets_the_guides():
    editor = StaffFactory()
    a = article("Hunt groups", audience="customers")
    c = client_for(editor)
    page = c.get(f"/console/solutions/{a.pk}/").content.decode()
    assert 'value="feature:add"' in page
    response = c.post(
        f"/console/solutions/{a.pk}/",
        {
            "title": a.title,
            "body": a.body,
            "category": a.category.pk,
            "audience": "customers",
            "state": "now",
            "change_types": ["feature:add", "feature:change"],
            "revision": a.revision,
        },
    )
    assert response.status_code == 302, response.content
    assert set(Guide.objects.values_list("change_type", flat=True)) == {"feature:add", "feature:change"}


def test_deleting_an_article_asks_why_and_keeps_the_record(django_capture_on_commit_callbacks):
    editor = StaffFactory()
    a = article(
        "Quokka handset reset",
        "Hold the quokka button.",
        audience="customers",
        change_types=["device:change"],
    )
    actions.add_file(a, Upload(name="steps.png", content=PNG, content_type="image/png"), by=editor)
    stored = ArticleFile.objects.get(article=a).file
    path = stored.path
    c = client_for(editor)

    confirm = c.get(f"/console/solutions/{a.pk}/delete/")
    assert confirm.status_code == 200 and b"Delete the article" in confirm.content
    assert Article.objects.filter(pk=a.pk).exists()  # a GET changes nothing

    refused = c.post(f"/console/solutions/{a.pk}/delete/", {"reason": ""})
    assert refused.status_code == 400 and Article.objects.filter(pk=a.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = c.post(f"/console/solutions/{a.pk}/delete/", {"reason": "Handset withdrawn"})
    assert done.status_code == 302
    assert not Article.objects.filter(pk=a.pk).exists()
    assert not Revision.objects.filter(article_id=a.pk).exists()
    assert not Guide.objects.exists()
    removal = Removal.objects.get()
    assert (removal.title, removal.reason, removal.by_id, removal.revisions) == (
        "Quokka handset reset",
        "Handset withdrawn",
        editor.pk,
        1,
    )
    assert not os.path.exists(path)
    assert c.get(f"/solutions/a/{a.slug}/").status_code == 404
    assert finding.search(editor, "quokka").total == 0
    # Its title's words are no longer offered as corrections.
    assert not finding.search(editor, "qokka").corrected


def test_only_editors_delete_and_customers_get_404():
    w = world()
    a = article("Keep me", audience="customers")
    assert client_for(w.dana).post(f"/console/solutions/{a.pk}/delete/", {"reason": "x"}).status_code in (
        403,
        404,
    )
    assert Article.objects.filter(pk=a.pk).exists()
    assert client_for(StaffFactory()).get("/console/solutions/999999/delete/").status_code == 404


def test_a_title_made_staff_only_leaves_no_public_correction():
    editor = StaffFactory()
    a = article("Wombat gateway outage", audience="public", category=category())
    assert finding.search(AnonymousUser(), "wombta").corrected
    _save(a, editor, audience="staff")
    assert not finding.search(AnonymousUser(), "wombta").corrected
    assert finding.search(editor, "wombta").corrected  # staff still have it
    assert Case.objects.count() == 0
