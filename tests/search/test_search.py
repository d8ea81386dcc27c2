"""Case search on the engine the suite runs on (SQLite FTS5 by default, PostgreSQL with
DATABASE_URL): relevance, closed cases, numbers, scoping, the index in the write's
transaction, and the pages' query counts."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casedesk.cases import actions, finding
from casedesk.cases.models import Case
from casedesk.search.models import CaseDocument
from casedesk.search.text import fts5_query, highlighted, number_digits
from tests.api.helpers import api_for
from tests.conftest import on_postgres
from tests.factories import OrganisationFactory, StaffFactory, customer, make_case

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def numbers(results: finding.Results) -> list[str]:
    return [hit.case.number for hit in results.hits]


def closed(case: Case, staff) -> Case:
    return actions.transition(case, to="closed", by=staff, resolution="Fixed at the exchange.")


def test_a_title_match_ranks_above_a_single_mention_in_a_comment():
    staff = StaffFactory()
    user = customer()
    mention = make_case(by=user, title="Desk phones slow", description="Calls take long to connect.")
    actions.add_comment(mention, by=user, body="Might the voicemail be involved?")
    titled = make_case(by=user, title="Voicemail greeting lost", description="The greeting is gone.")
    make_case(by=user, title="Fax line down")
    assert numbers(finding.search(staff, "voicemail")) == [titled.number, mention.number]


def _next_case_id(value: int) -> None:
    """Let the next case be numbered `value`, so that part of its number is not a case."""
    with connection.cursor() as cur:
        if on_postgres():
            cur.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), %s, false)", [value])
        else:
            # The table is AUTOINCREMENT: its counter lives in sqlite_sequence.
            cur.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = 'cases_case'", [value - 1])
            if cur.rowcount == 0:
                cur.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('cases_case', %s)", [value - 1])


def test_a_closed_case_is_found_by_a_word_of_a_comment_and_by_part_of_its_number():
    staff = StaffFactory()
    user = customer()
    for n in range(3):  # cases whose numbers do not contain the part searched
        make_case(by=user, title=f"Other {n}")
    _next_case_id(123456)
    case = make_case(by=user, title="Ringing problem")
    assert case.number == "CS-123456"
    actions.add_comment(case, by=user, body="The handset in reception makes a crackling noise.")
    closed(case, staff)
    assert numbers(finding.search(staff, "crackling")) == [case.number]
    assert numbers(finding.search(staff, "2345")) == [case.number]  # the middle of its number
    assert finding.jump(staff, "2345") is None  # a part is a search, not a case of that number
    assert numbers(finding.search(staff, case.number)) == [case.number]


def test_words_phrases_exclusions_and_people():
    staff = StaffFactory()
    org = OrganisationFactory(name="Granite Peak Clinics")
    user = customer(org, name="Rosalind Quayle", phone="(720) 555-0188")
    first = make_case(by=user, title="Trunk failover", description="The primary trunk fails over nightly.")
    second = make_case(by=user, title="Trunk upgrade", description="Please upgrade the secondary.")
    assert set(numbers(finding.search(staff, "trunk"))) == {first.number, second.number}
    assert numbers(finding.search(staff, "trunk -upgrade")) == [first.number]
    assert numbers(finding.search(staff, '"primary trunk"')) == [first.number]
    assert set(numbers(finding.search(staff, "Quayle"))) == {first.number, second.number}
    assert set(numbers(finding.search(staff, "granite"))) == {first.number, second.number}
    assert set(numbers(finding.search(staff, user.email))) == {first.number, second.number}
    assert set(numbers(finding.search(staff, "7205550188"))) == {first.number, second.number}
    assert numbers(finding.search(staff, "nothingmatchesthis")) == []


def test_internal_notes_are_not_searched_so_customers_learn_nothing_from_them():
    staff = StaffFactory()
    user = customer()
    case = make_case(by=user, title="Ringing problem")
    actions.add_comment(case, by=staff, body="Suspect the zebrafinch firmware.", public=False)
    assert numbers(finding.search(user, "zebrafinch")) == []
    assert numbers(finding.search(staff, "zebrafinch")) == []


@pytest.mark.postgres
def test_a_typo_finds_the_case_on_postgresql():
    staff = StaffFactory()
    case = make_case(title="Registration failures on the Polycom phones")
    make_case(title="Fax line down")
    results = finding.search(staff, "registraton failurs")
    assert numbers(results) == [case.number]
    assert results.corrected and results.text == "registration failures"


def test_another_organisations_cases_answer_nothing():
    staff = StaffFactory()
    ours, theirs = customer(), customer()
    mine = make_case(by=ours, title="Paging zone silent")
    other = make_case(by=theirs, title="Paging zone silent too")
    assert numbers(finding.search(ours, "paging")) == [mine.number]
    assert numbers(finding.search(theirs, "paging")) == [other.number]
    assert numbers(finding.search(ours, other.number)) == []
    assert finding.jump(ours, other.number) is None
    page = logged_in(ours).get("/portal/search/", {"q": "paging"}).content.decode()
    assert mine.number in page and other.number not in page
    response = logged_in(ours).get("/portal/search/", {"q": other.number})
    assert response.status_code == 200 and 'id="no-hits"' in response.content.decode()
    api = api_for(ours)
    found = api.get("/cases", q="paging", state="all").json()["items"]
    assert [c["number"] for c in found] == [mine.number]
    assert {c["number"] for c in api_for(staff).get("/cases", q="paging", state="all").json()["items"]} == {
        mine.number,
        other.number,
    }


def test_a_contact_who_is_not_an_mpoc_finds_only_their_own_cases():
    mpoc = customer()
    org = mpoc.contact.organisation
    plain = customer(org, mpoc=False)
    theirs = make_case(by=mpoc, title="Headset crackle")
    actions.add_participants(theirs, by=StaffFactory(), contacts=[plain.contact])
    colleagues = make_case(by=mpoc, title="Headset crackle again")
    assert numbers(finding.search(plain, "headset")) == [theirs.number]
    assert set(numbers(finding.search(mpoc, "headset"))) == {theirs.number, colleagues.number}


def test_the_api_searches_closed_cases_with_state_all():
    staff = StaffFactory()
    case = make_case(title="Porting request")
    actions.add_comment(case, by=staff, body="The losing carrier rejected the porting order.")
    closed(case, staff)
    api = api_for(staff)
    assert api.get("/cases", q="carrier").json()["items"] == []  # state=open by default
    assert [c["number"] for c in api.get("/cases", q="carrier", state="all").json()["items"]] == [case.number]


def test_the_index_is_written_in_the_transaction_of_the_action():
    user = customer()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_case(by=user, title="Rolled back ocelot")
        assert CaseDocument.objects.count() == 1
        raise RuntimeError("the request failed after the action")
    assert CaseDocument.objects.count() == 0
    assert numbers(finding.search(StaffFactory(), "ocelot")) == []
    if not on_postgres():
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM search_case_fts")
            assert cur.fetchone()[0] == 0
    case = make_case(by=user, title="Kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_comment(case, by=user, body="A pangolin comment that is rolled back")
        raise RuntimeError("rolled back")
    assert numbers(finding.search(StaffFactory(), "pangolin")) == []


def test_a_corrected_title_is_searched_at_once():
    staff = StaffFactory()
    case = make_case(title="Something broken")
    actions.update_details(case, by=staff, title="Conference bridge drops callers")
    assert numbers(finding.search(staff, "bridge")) == [case.number]
    assert numbers(finding.search(staff, "something")) == []


def test_the_rebuild_command_writes_every_document_again():
    staff = StaffFactory()
    case = make_case(title="Hunt group order wrong")
    with connection.cursor() as cur:
        cur.execute("DELETE FROM search_casedocument")
        if not on_postgres():
            cur.execute("DELETE FROM search_case_fts")
    assert numbers(finding.search(staff, "hunt")) == []
    call_command("rebuild_search_index", verbosity=0)
    assert numbers(finding.search(staff, "hunt")) == [case.number]


def test_a_number_typed_in_either_search_box_goes_to_the_case():
    staff = StaffFactory()
    user = customer()
    case = make_case(by=user)
    for typed in (case.number, case.number.lower(), f"cs-{case.pk}", case.number.split("-")[1]):
        assert (
            logged_in(staff).get("/console/search/", {"q": typed})["Location"]
            == f"/console/cases/{case.number}/"
        )
        assert (
            logged_in(user).get("/portal/search/", {"q": typed})["Location"]
            == f"/portal/cases/{case.number}/"
        )


def test_results_mark_the_words_and_escape_what_customers_wrote():
    staff = StaffFactory()
    user = customer()
    case = make_case(
        by=user, title="<b>Bold</b> marmoset", description="A <script>alert(1)</script> marmoset"
    )
    page = logged_in(staff).get("/console/search/", {"q": "marmoset"}).content.decode()
    assert case.number in page
    assert "<mark>marmoset</mark>" in page
    assert "<script>alert" not in page and "<b>Bold" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page


def test_the_search_page_runs_a_fixed_number_of_queries():
    staff = StaffFactory()
    user = customer()
    client = logged_in(staff)
    make_case(by=user, title="Jitter on calls")
    client.get("/console/search/", {"q": "jitter"})
    with CaptureQueriesContext(connection) as few:
        assert client.get("/console/search/", {"q": "jitter"}).status_code == 200
    for n in range(12):
        case = make_case(by=user, title=f"Jitter on calls {n}")
        actions.add_comment(case, by=user, body="still jitter")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/console/search/", {"q": "jitter"}).content.decode()
    assert page.count('class="hit"') == 13
    assert len(many) == len(few) <= 8
    portal = logged_in(user)
    with CaptureQueriesContext(connection) as portal_queries:
        assert portal.get("/portal/search/", {"q": "jitter"}).status_code == 200
    assert len(portal_queries) <= 8


def test_reading_the_typed_query():
    assert fts5_query('trunk "primary trunk" -upgrade') == '"trunk" AND "primary trunk" NOT "upgrade"'
    assert fts5_query("fax or modem") == '("fax" OR "modem")'
    assert fts5_query('NEAR( "x" * ^') == '"NEAR(" AND "x" AND "*" AND "^"'
    assert fts5_query("-only") == ""
    assert number_digits("CS-000123") == "123"
    assert number_digits("0042") == "42"
    assert number_digits("phones") == ""
    assert str(highlighted("a \u27ea<b>\u27eb")) == "a <mark>&lt;b&gt;</mark>"


@pytest.mark.parametrize("typed", ['"', "-", "a\x00b", "NEAR(x", "*", "' OR 1=1 --", "CS-", "x" * 200])
def test_any_typed_text_answers_a_page(typed):
    make_case(title="Anything")
    assert logged_in(StaffFactory()).get("/console/search/", {"q": typed}).status_code == 200
