"""Solutions Center search on both engines: ranking, prefixes, typos, snippets, and the
audience in every result, count, snippet and suggestion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from casedesk.solutions import finding
from tests.conftest import on_postgres
from tests.factories import StaffFactory, customer
from tests.solutions.helpers import article

pytestmark = pytest.mark.django_db


def titles(results) -> list[str]:
    return [hit.article.title for hit in results.hits]


def test_a_title_match_ranks_above_a_body_mention():
    article("Printing the call log", "Open the portal. Once there, voicemail settings are elsewhere.")
    article("Voicemail greeting: record a new one", "Dial star 98 and follow the prompts.")
    results = finding.search(AnonymousUser(), "voicemail")
    assert titles(results) == ["Voicemail greeting: record a new one", "Printing the call log"]
    assert results.total == 2
    assert "<mark>Voicemail</mark>" in results.hits[0].title
    assert "<mark>voicemail</mark>" in results.hits[1].snippet


def test_the_last_word_typed_is_a_prefix():
    article("Call forwarding on a desk phone", "Forward calls to a mobile.")
    assert titles(finding.search(AnonymousUser(), "call forw")) == ["Call forwarding on a desk phone"]
    assert titles(finding.search(AnonymousUser(), "forw")) == ["Call forwarding on a desk phone"]


def test_a_one_letter_typo_finds_the_article():
    article("Phone registration failures", "When a handset shows no service.")
    results = finding.search(AnonymousUser(), "registraton")
    assert titles(results) == ["Phone registration failures"]
    assert results.corrected and results.text == "registration"


def test_text_from_outside_is_escaped_in_snippets():
    article("Escaping <b>markup</b> in titles", "Body with <script>alert(1)</script> markup.")
    hit = finding.search(AnonymousUser(), "markup").hits[0]
    assert "<b>" not in hit.title and "&lt;b&gt;" in hit.title
    assert "<script>" not in hit.snippet


@pytest.mark.parametrize("audience", ["staff", "customers"])
def test_an_article_beyond_the_readers_audience_is_nowhere(audience):
    article("Secret trunk procedure", "Internal quokka steps for the trunk.", audience=audience)
    article("Public trunk guide", "How a trunk works.", audience="public")
    readers = [AnonymousUser()] + ([customer()] if audience == "staff" else [])
    for reader in readers:
        for text in ("quokka", "secret", "trunk", "quok", "quoka"):
            results = finding.search(reader, text)
            assert "Secret trunk procedure" not in titles(results), (reader, text)
            assert all("quokka" not in hit.snippet and "Secret" not in hit.title for hit in results.hits)
            assert results.total == len(results.hits)
            suggested = finding.suggest(reader, f"my {text}")
            assert "Secret trunk procedure" not in titles(suggested)
    staff = finding.search(StaffFactory(), "quokka")
    assert titles(staff) == ["Secret trunk procedure"] and staff.total == 1


def test_drafts_and_scheduled_articles_are_found_only_once_published(time_machine):
    now = timezone.now()
    article("Draft about faxes", draft=True)
    article("Scheduled about faxes", publish_at=now + timedelta(hours=2))
    staff = StaffFactory()
    assert titles(finding.search(staff, "faxes")) == []
    time_machine.move_to(now + timedelta(hours=3))
    assert titles(finding.search(staff, "faxes")) == ["Scheduled about faxes"]


def test_suggestions_take_any_of_the_words_of_a_case():
    article("Voicemail greeting", "Record a greeting.")
    text = "our reception voicemail greeting is wrong since yesterday"
    assert titles(finding.suggest(customer(), text)) == ["Voicemail greeting"]


def test_counts_are_capped(settings):
    for n in range(3):
        article(f"Headset pairing {n}", "Pair it.")
    assert finding.search(AnonymousUser(), "headset", size=2).total == 3
    assert finding.search(AnonymousUser(), "headset", size=2).has_next
    assert on_postgres() in (True, False)


def test_the_index_is_rebuilt_by_its_command():
    from django.core.management import call_command

    article("Paging zones explained", "Overhead paging.")
    call_command("rebuild_solutions_index")
    assert titles(finding.search(AnonymousUser(), "paging")) == ["Paging zones explained"]
