"""The public page and feeds: content, Atom parsed back, caching and the static export."""

from __future__ import annotations

from datetime import date, datetime, time
from unittest import mock

import feedparser
import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from casedesk.rules.schedule import DENVER
from casedesk.status import maintenance, masters
from casedesk.status.models import MaintenanceKind
from casedesk.statuspage import pages
from tests.factories import ManagerFactory, customer
from tests.status.helpers import PlatformFactory, monthly

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 3, 10, 9, tzinfo=DENVER)


@pytest.fixture
def incident_world():
    with time_machine.travel(NOW, tick=False):
        voice = PlatformFactory(name="Hosted Voice", code="voice")
        teams = PlatformFactory(name="Teams", code="teams")
        staff = ManagerFactory()
        master = masters.create_master(
            by=staff, title="Calls failing <script>alert(1)</script>", body="We are investigating & more.",
            platforms=[voice], impact="partial",
        )  # fmt: skip
        monthly([voice])
    with time_machine.travel(NOW.replace(minute=40), tick=False):
        masters.post_update(master, by=staff, body="Carrier fault identified.", state="identified")
    return {"voice": voice, "teams": teams, "staff": staff, "master": master}


def test_status_page_shows_incident_maintenance_and_escapes(incident_world):
    with time_machine.travel(NOW.replace(minute=45), tick=False):
        page = Client().get("/status/").content.decode()
    assert "Partial outage" in page and "Calls failing &lt;script&gt;" in page and "<script>alert" not in page
    assert "Carrier fault identified." in page and "We are investigating &amp; more." in page
    assert page.index("Carrier fault identified.") < page.index("We are investigating")  # newest first
    assert "Monthly scheduled maintenance" in page and "Fri 21 Mar 2025, 22:00 MDT" in page
    assert page.count('class="impact-operational"') >= 89  # 90-day bars
    # Same-origin stylesheets that the server (and the static export) actually serves.
    assert 'href="/static/casedesk/status.css"' in page and 'href="//' not in page
    assert Client().get("/static/casedesk/status.css").status_code == 200
    summary = Client().get("/status/summary.json").json()
    assert summary["status"]["indicator"] == "partial"
    assert summary["incidents"][0]["state"] == "identified"
    assert [u["body"] for u in summary["incidents"][0]["updates"]] == [
        "Carrier fault identified.",
        "We are investigating & more.",
    ]


def test_atom_feed_parses_back_field_by_field(incident_world):
    with time_machine.travel(NOW.replace(minute=45), tick=False):
        response = Client().get("/status/feed.atom")
        incident_feed = Client().get(f"/status/incidents/{incident_world['master'].incident.pk}/feed.atom")
        teams_feed = Client().get("/status/platforms/teams/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert parsed.feed.title.endswith("network status")
    assert parsed.feed.id == "http://127.0.0.1:8000/status/feed.atom"
    first = parsed.entries[0]
    incident = incident_world["master"].incident
    update = incident.updates.first()
    assert first.title == "Calls failing <script>alert(1)</script>: Identified"
    assert first.link == f"http://127.0.0.1:8000/status/incidents/{incident.pk}/"
    assert first.id == f"tag:example.com,2025-03-10:incident-update/{update.pk}"
    assert first.summary == "Carrier fault identified."
    assert datetime(*first.updated_parsed[:6]) == datetime(2025, 3, 10, 15, 40)  # UTC
    assert {t.term for t in first.tags} == {"incident", "identified"}
    titles = [e.title for e in parsed.entries]
    assert any(t.startswith("Maintenance: Monthly scheduled maintenance") for t in titles)
    assert len(feedparser.parse(incident_feed.content).entries) == 2
    teams = feedparser.parse(teams_feed.content)
    assert not teams.bozo and teams.entries == []


def test_caching_headers_etag_304_and_no_cookies(incident_world, django_assert_max_num_queries):
    client = Client()
    first = client.get("/status/")
    assert first.status_code == 200 and not first.cookies
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    assert "stale-while-revalidate=" in first["Cache-Control"]
    etag = first["ETag"]
    again = client.get("/status/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    with (
        mock.patch.object(pages, "render", side_effect=AssertionError("rendered twice")),
        django_assert_max_num_queries(1),  # the version check only
    ):
        assert client.get("/status/").content == first.content
    masters.post_update(
        incident_world["master"], by=incident_world["staff"], body="Monitoring now.", state="monitoring"
    )
    changed = client.get("/status/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag and b"Monitoring now." in changed.content
    # A logged-in visitor gets the same public bytes and no cookie either.
    client.force_login(customer())
    response = client.get("/status/summary.json")
    assert (
        response.status_code == 200
        and "sessionid" not in response.cookies
        and "csrftoken" not in response.cookies
    )


def test_rendered_once_per_change_across_requests(incident_world):
    calls = []
    real = pages.render
    with mock.patch.object(pages, "render", side_effect=lambda path: calls.append(path) or real(path)):
        for _ in range(5):
            Client().get("/status/")
            Client().get("/status/feed.atom")
        assert calls == ["index.html", "feed.atom"]
        pages._memo.clear()  # another process: takes the stored copy, renders nothing
        Client().get("/status/")
        assert calls == ["index.html", "feed.atom"]


def test_history_archive_and_incident_pages(incident_world):
    staff, master = incident_world["staff"], incident_world["master"]
    with time_machine.travel(NOW.replace(hour=11), tick=False):
        masters.resolve_master(master, by=staff, note="Carrier fixed the trunk.")
        index = Client().get("/status/").content.decode()
        history = Client().get("/status/history/").content.decode()
        incident = Client().get(f"/status/incidents/{master.incident.pk}/").content.decode()
    assert "All systems operational" in index and "Calls failing" not in index
    assert "March 2025" in history and "Calls failing &lt;script&gt;" in history
    assert "Resolved" in incident and "Carrier fixed the trunk." in incident
    bars = index.split('data-testid="platform-voice"')[1].split("</tr>")[0]
    assert 'title="Mon 10 Mar 2025: Partial outage"' in bars  # today's bar remembers the outage
    assert Client().get("/status/incidents/999999/").status_code == 404


def test_the_archive_has_a_page_for_each_year_with_all_of_its_incidents(incident_world, tmp_path):
    staff, master = incident_world["staff"], incident_world["master"]
    with time_machine.travel(NOW.replace(hour=11), tick=False):
        masters.resolve_master(master, by=staff, note="Fixed.")
    for n, year in enumerate((2025, 2026, 2026)):
        with time_machine.travel(datetime(year, 6, 1 + n, 9, tzinfo=DENVER), tick=False):
            other = masters.create_master(
                by=staff, title=f"Outage {year}-{n}", body="Looking.", platforms=[incident_world["teams"]]
            )
            masters.resolve_master(other, by=staff, note="Fixed.")
    client = Client()
    latest = client.get("/status/history/").content.decode()
    assert 'href="/status/history/2026/"' in latest and 'href="/status/history/2025/"' in latest
    assert "Outage 2026-2" in latest and "Calls failing" in latest
    year = client.get("/status/history/2025/")
    assert year.status_code == 200 and year["ETag"] and "sessionid" not in year.cookies
    page = year.content.decode()
    assert "Past incidents in 2025" in page and "Outage 2025-0" in page and "Calls failing" in page
    assert "Outage 2026" not in page
    assert client.get("/status/history/1999/").status_code == 404
    call_command("export_status", str(tmp_path))
    exported = tmp_path / "status" / "history"
    assert (exported / "2025" / "index.html").read_bytes() == year.content
    assert (exported / "2026" / "index.html").exists() and not (exported / "1999").exists()


def test_export_writes_the_page_and_feeds_as_files(incident_world, tmp_path):
    maintenance.create_window(
        by=None, kind=MaintenanceKind.ONE_OFF, title="Cut-over", platforms=[incident_world["teams"]],
        description="d", justification="j", first_day=date(2025, 4, 1), start_time=time(1), end_time=time(2),
    )  # fmt: skip
    call_command("export_status", str(tmp_path))
    root = tmp_path / "status"
    incident_id = incident_world["master"].incident.pk
    for name in ("index.html", "history/index.html", "summary.json", "feed.atom", "maintenance.ics",
                 "platforms/voice/feed.atom", "platforms/teams/maintenance.ics",
                 f"incidents/{incident_id}/index.html", f"incidents/{incident_id}/feed.atom"):  # fmt: skip
        assert (root / name).stat().st_size > 0, name
    assert (root / "index.html").read_bytes() == Client().get("/status/").content
    assert (tmp_path / "static" / "casedesk" / "status.css").exists()


def test_atom_summaries_are_plain_text_so_readers_render_no_markup(incident_world):
    # A master case promoted from a customer's case may carry the customer's own words.
    with time_machine.travel(NOW.replace(minute=50), tick=False):
        masters.post_update(
            incident_world["master"],
            by=incident_world["staff"],
            body='Fixed <img src=x onerror="alert(1)"> & <b>bold</b>',
        )
        response = Client().get("/status/feed.atom")
    body = response.content.decode()
    assert 'type="html"' not in body
    assert '<summary type="text">Fixed &lt;img src=x onerror="alert(1)"&gt; &amp; &lt;b&gt;bold' in body
    entry = feedparser.parse(response.content).entries[0]
    assert entry.summary_detail.type == "text/plain"
    assert entry.summary == 'Fixed <img src=x onerror="alert(1)"> & <b>bold</b>'
