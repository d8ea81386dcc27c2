"""The Solutions Center's pages and the console's article work: audiences on every page,
feedback with its limit, files served safely, revisions with a diff and restore,
deflections counted by the sweep, articles from a case's resolution."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from casedesk.cases import actions as case_actions
from casedesk.core.uploads import Upload
from casedesk.solutions import actions
from casedesk.solutions.models import Article, Feedback, Miss, Suggestion
from tests.factories import RepresentativeFactory, StaffFactory, customer, make_case
from tests.solutions.helpers import article, category

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def client_for(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def shelf():
    return {
        "public": article("Reset your voicemail PIN", "Dial *98 and choose **5**.", audience="public"),
        "customers": article(
            "Voicemail to e-mail set-up", "In the portal, open **Voicemail**.", audience="customers"
        ),
        "staff": article(
            "Voicemail platform restart runbook", "Restart the quokka cluster.", audience="staff"
        ),
    }


@pytest.mark.parametrize(
    ("reader", "sees"),
    [
        ("anonymous", {"public"}),
        ("customer", {"public", "customers"}),
        ("staff", {"public", "customers", "staff"}),
    ],
)
def test_each_reader_sees_their_audiences_on_every_page(shelf, reader, sees):
    user = {"anonymous": None, "customer": customer(), "staff": StaffFactory()}[reader]
    c = client_for(user)
    home = c.get("/solutions/").content.decode()
    listing = c.get(f"/solutions/c/{category().slug}/").content.decode()
    found = c.get("/solutions/search/", {"q": "voicemail"}).content.decode()
    suggested = json.loads(c.get("/solutions/suggest/", {"q": "voicemail"}).content)
    for key, art in shelf.items():
        page = c.get(f"/solutions/a/{art.slug}/")
        assert page.status_code == (200 if key in sees else 404)
        assert (art.title in listing) is (key in sees)
        assert (f"/solutions/a/{art.slug}/" in found) is (key in sees)
        assert any(art.title in h["plain_title"] for h in suggested["hits"]) is (key in sees)
    assert f"{len(sees)} article" in home  # the category's count is the reader's
    assert f"{len(sees)} article" in found
    assert ("quokka" in found) is ("staff" in sees)


def test_article_page_renders_sanitised_markdown(shelf):
    bad = article("Odd one", "<script>alert(1)</script>\n\n[x](javascript:alert(1)) **bold**")
    page = client_for().get(f"/solutions/a/{bad.slug}/").content.decode()
    assert "<script>alert" not in page and 'href="javascript' not in page and "<strong>bold</strong>" in page
    assert Article.objects.get(pk=bad.pk).views == 1


def test_drafts_and_scheduled_articles_answer_404(time_machine):
    draft = article("Draft page", draft=True)
    later = article("Later page", publish_at=timezone.now() + timedelta(hours=1))
    c = client_for(StaffFactory())
    assert c.get(f"/solutions/a/{draft.slug}/").status_code == 404
    assert c.get(f"/solutions/a/{later.slug}/").status_code == 404
    time_machine.move_to(timezone.now() + timedelta(hours=2))
    assert c.get(f"/solutions/a/{later.slug}/").status_code == 200


def test_feedback_once_per_reader_and_rate_limited(shelf):
    art = shelf["public"]
    c = client_for(customer())
    url = f"/solutions/a/{art.slug}/feedback/"
    assert c.post(url, {"helpful": "yes", "comment": "Worked"}).status_code == 302
    assert c.post(url, {"helpful": "no", "comment": "Actually not"}).status_code == 302
    art.refresh_from_db()
    assert (art.helpful_yes, art.helpful_no) == (0, 1)
    assert Feedback.objects.get().comment == "Actually not"
    assert c.post(url, {"helpful": "maybe"}).status_code == 400
    assert c.get(url).status_code == 405  # no change on GET
    anon = client_for()
    codes = [anon.post(url, {"helpful": "yes"}).status_code for _ in range(actions.FEEDBACK_PER_HOUR)]
    assert 429 in codes  # the customer's answers from this client count too


def test_files_are_checked_and_served_as_attachments(shelf):
    editor = StaffFactory()
    art = shelf["public"]
    image = actions.add_file(art, Upload("diagram.png", PNG, "image/png"), by=editor)
    fake = actions.add_file(art, Upload("fake.png", b"<html>not an image</html>", "image/png"), by=editor)
    with pytest.raises(actions.Refused):
        actions.add_file(art, Upload("run.exe", b"MZ...."), by=editor)
    response = client_for().get(f"/solutions/files/{image.pk}/")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "image/png"
    assert client_for().get(f"/solutions/files/{fake.pk}/")["Content-Type"] == "application/octet-stream"
    hidden = actions.add_file(shelf["staff"], Upload("notes.txt", b"secret"), by=editor)
    assert client_for(customer()).get(f"/solutions/files/{hidden.pk}/").status_code == 404
    assert client_for(editor).get(f"/solutions/files/{hidden.pk}/").status_code == 200


def test_console_writes_articles_with_revisions_diff_and_restore():
    editor = StaffFactory()
    c = client_for(editor)
    cat = category()
    form = {
        "title": "Park a call",
        "summary": "",
        "body": "Press Park.",
        "category": cat.pk,
        "audience": "public",
        "state": "now",
        "note": "",
    }
    response = c.post("/console/solutions/new/", form)
    assert response.status_code == 302
    art = Article.objects.get(title="Park a call")
    form.update(body="Press Park, then dial the slot.", revision=1, note="Slots")
    assert c.post(f"/console/solutions/{art.pk}/", form).status_code == 302
    stale = c.post(f"/console/solutions/{art.pk}/", {**form, "revision": 1, "body": "Other"})
    assert stale.status_code == 400 and "changed meanwhile" in stale.content.decode()
    diff = c.get(f"/console/solutions/{art.pk}/revisions/").content.decode()
    assert "+Press Park, then dial the slot." in diff and "-Press Park." in diff
    first = art.revisions.get(number=1)
    assert c.get(f"/console/solutions/{art.pk}/revisions/{first.pk}/restore/").status_code == 405
    assert c.post(f"/console/solutions/{art.pk}/revisions/{first.pk}/restore/").status_code == 302
    art.refresh_from_db()
    assert (art.revision, art.body) == (3, "Press Park.")
    assert art.revisions.get(number=3).note == "Restored revision 1"
    assert client_for(RepresentativeFactory()).post("/console/solutions/new/", form).status_code == 403
    assert client_for(customer()).get("/console/solutions/").status_code == 403


def test_an_article_from_a_cases_resolution():
    mpoc = customer()
    tech = StaffFactory()
    case = make_case(by=mpoc, title="Hold music silent", description="Callers hear silence on hold.")
    case_actions.transition(case, to="closed", by=tech, resolution="Re-uploaded the hold music as 8 kHz WAV.")
    page = client_for(tech).get("/console/solutions/new/", {"case": case.number}).content.decode()
    assert "Hold music silent" in page and "Re-uploaded the hold music" in page and case.number in page
    other = customer()
    assert client_for(other).get("/console/solutions/new/", {"case": case.number}).status_code == 403


def test_a_deflection_is_counted_by_the_sweep_30_minutes_after_the_opening(shelf, time_machine):
    mpoc = customer()
    c = client_for(mpoc)
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    page = c.get("/portal/cases/new/").content.decode()
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    hits = json.loads(c.post("/solutions/suggest/", {"q": "voicemail pin", "token": token}).content)["hits"]
    assert hits and hits[0]["url"].endswith(f"?s={token}")
    c.get(hits[0]["url"])
    time_machine.move_to(start + timedelta(minutes=29), tick=False)
    assert actions.decide_deflections(timezone.now()) == 0
    time_machine.move_to(start + timedelta(minutes=31), tick=False)
    assert actions.decide_deflections(timezone.now()) == 1
    assert actions.decide_deflections(timezone.now()) == 0  # once
    assert Article.objects.get(pk=shelf["public"].pk).deflections == 1
    report = client_for(StaffFactory()).get("/console/solutions/report/").content.decode()
    assert "Reset your voicemail PIN" in report


def test_a_case_sent_within_30_minutes_is_no_deflection(shelf, time_machine):
    mpoc = customer()
    c = client_for(mpoc)
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    token = actions.new_form_token()
    c.post("/solutions/suggest/", {"q": "voicemail pin", "token": token})
    c.get(f"/solutions/a/{shelf['public'].slug}/?s={token}")
    time_machine.move_to(start + timedelta(minutes=5), tick=False)
    assert (
        c.post(
            "/portal/cases/new/", {"title": "PIN", "description": "Still locked", "token": token}
        ).status_code
        == 302
    )
    time_machine.move_to(start + timedelta(minutes=40), tick=False)
    assert actions.decide_deflections(timezone.now()) == 0
    assert Suggestion.objects.get().deflected is False


def test_without_scripts_the_form_lists_the_articles(shelf):
    c = client_for(customer())
    page = c.post(
        "/portal/cases/new/",
        {
            "title": "voicemail pin forgotten",
            "description": "",
            "preview": "1",
            "token": actions.new_form_token(),
        },
    )
    assert page.status_code == 200
    assert f"/solutions/a/{shelf['public'].slug}/?s=" in page.content.decode()
    assert shelf["staff"].slug not in page.content.decode()
    assert Suggestion.objects.count() == 1


def test_searches_that_found_nothing_are_counted():
    c = client_for()
    c.get("/solutions/search/", {"q": "Fax  Toner"})
    c.get("/solutions/search/", {"q": "fax toner"})
    assert Miss.objects.get().count == 2
    assert "fax toner" in client_for(StaffFactory()).get("/console/solutions/report/").content.decode()


def test_the_login_page_and_case_form_carry_the_phone_and_chat(settings):
    settings.CASEDESK_SUPPORT_PHONE = "+1 720 555 0199"
    settings.CASEDESK_SUPPORT_CHAT_URL = "https://chat.example.net/desk"
    login = client_for().get("/login/").content.decode()
    form = client_for(customer()).get("/portal/cases/new/").content.decode()
    for page in (login, form):
        assert "+1 720 555 0199" in page and "https://chat.example.net/desk" in page


def test_staff_linking_an_article_in_a_reply_see_only_the_customers_articles(shelf):
    staff = client_for(StaffFactory())
    every = json.loads(staff.get("/solutions/suggest/", {"q": "voicemail"}).content)["hits"]
    asked = {"q": "voicemail", "for": "customers"}
    for_customers = json.loads(staff.get("/solutions/suggest/", asked).content)
    assert len(every) == 3
    titles = [h["plain_title"] for h in for_customers["hits"]]
    assert shelf["staff"].title not in titles and shelf["customers"].title in titles
    assert all(h["link"].startswith("http") for h in for_customers["hits"])
    # A customer cannot widen their own audience with the parameter either.
    wider = {"q": "voicemail", "for": "staff"}
    mine = json.loads(client_for(customer()).get("/solutions/suggest/", wider).content)
    assert shelf["staff"].title not in [h["plain_title"] for h in mine["hits"]]
