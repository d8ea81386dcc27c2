"""Reads built once per process (`core.prepared`): the same rows as the queryset they stand
for, whatever the shape of the values; what cannot be kept runs through the ORM."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from casedesk.accounts.models import Contact, Organisation, Shift, User
from casedesk.cases.models import Case, CaseEvent
from casedesk.core import clock
from casedesk.core.prepared import _NO_STATEMENT, Prepared
from casedesk.mail import routing
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory, TeamFactory, make_case

pytestmark = pytest.mark.django_db

CONTACTS = Prepared(
    lambda addresses: (
        Contact.objects.alias(email_lower=Lower("email"))
        .filter(email_lower__in=addresses, active=True)
        .select_related("organisation", "user")
        .order_by("id")
    )
)


def _kept(read: Prepared) -> bool:
    return bool(read._statements) and all(s is not _NO_STATEMENT for s in read._statements.values())


def test_model_rows_with_their_related_objects_as_the_orm_gives_them():
    org = OrganisationFactory(name="Acme")
    people = [ContactFactory(organisation=org, email=f"p{i}@acme.example.com") for i in range(4)]
    ContactFactory(organisation=org, email="gone@acme.example.com", active=False)
    for wanted in (
        ["p0@acme.example.com"],
        ["p3@acme.example.com", "p1@acme.example.com", "nobody@x.example"],
    ):
        expected = list(CONTACTS.build(wanted))
        got = CONTACTS(wanted)
        assert [c.pk for c in got] == [c.pk for c in expected]
        assert [c.__dict__.keys() for c in got] == [c.__dict__.keys() for c in expected]
        with CaptureQueriesContext(connection) as read:
            assert {c.organisation.name for c in got} == {"Acme"}  # loaded with the row
        assert len(read) == 0
    assert _kept(CONTACTS)
    assert [c.email for c in CONTACTS(["gone@acme.example.com"])] == []
    assert people


def test_duplicates_and_nones_left_out_and_no_values_no_statement():
    contact = ContactFactory(email="dup@acme.example.com")
    assert [c.pk for c in CONTACTS(["dup@acme.example.com", "dup@acme.example.com", None])] == [contact.pk]
    with CaptureQueriesContext(connection) as asked:
        assert CONTACTS([]) == [] and CONTACTS([None]) == []
    assert len(asked) == 0


def test_values_list_tuples_and_a_datetime_given_twice():
    case = make_case()
    rows = Prepared(
        lambda cases, since: (
            CaseEvent.objects.filter(case_id__in=cases, at__gte=since, at__lt=since + timedelta(days=1))
            .order_by("id")
            .values_list("case_id", "kind")
        )
    )
    since = clock.now() - timedelta(hours=1)
    assert rows([case.pk], since) == list(rows.build([case.pk], since)) == [(case.pk, "created")]
    assert rows([case.pk], clock.now() + timedelta(days=2)) == []
    assert not _kept(rows)  # `since + 1 day` is derived from an argument: never kept as a constant


def test_technicians_on_shift_are_read_from_a_kept_statement():
    team = TeamFactory()
    now = clock.now()
    tech = StaffFactory(staff_role=User.StaffRole.TECHNICIAN)
    team.members.add(tech)
    Shift.objects.create(user=tech, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    assert routing.on_shift(team, now) == [tech]
    assert routing.on_shift(team, now + timedelta(hours=2)) == []
    assert _kept(routing._ON_SHIFT)


def test_row_locks_are_taken_in_the_callers_transaction():
    case = make_case()
    read = Prepared(lambda pks: Case.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
    with transaction.atomic():
        assert [c.pk for c in read([case.pk])] == [case.pk]
    assert _kept(read)


def test_a_value_that_goes_in_transformed_is_read_through_the_orm_each_time():
    contact = ContactFactory(email="Mixed@Acme.example.com")
    read = Prepared(lambda address: Contact.objects.filter(email__icontains=address))
    assert [c.pk for c in read("mixed@acme")] == [contact.pk]
    assert [c.pk for c in read("nobody")] == []
    assert not _kept(read)


def test_lists_of_lengths_in_one_bucket_share_one_statement_and_give_the_same_rows():
    from casedesk.core.prepared import bucket

    assert [bucket(n) for n in (1, 2, 3, 5, 8, 9, 50, 100, 1024, 1025)] == [
        1,
        2,
        4,
        8,
        8,
        16,
        64,
        128,
        1024,
        1025,
    ]
    people = [ContactFactory(email=f"b{i}@acme.example.com") for i in range(7)]
    read = Prepared(lambda addresses: Contact.objects.filter(email__in=addresses, active=True).order_by("id"))
    for count in (5, 6, 7, 8):
        wanted = [p.email for p in people[:count]] + ["nobody@x.example"] * (count == 8)
        assert [c.pk for c in read(wanted)] == [c.pk for c in read.build(wanted)]
    assert len(read._statements) == 1 and _kept(read)
    assert [c.pk for c in read([people[6].email])] == [people[6].pk]
    assert len(read._statements) == 2


def test_warming_compiles_every_bucket_so_that_no_list_length_compiles_later(monkeypatch):
    people = [ContactFactory(email=f"w{i}@acme.example.com") for i in range(3)]
    read = Prepared(
        lambda addresses, orgs: Contact.objects.filter(email__in=addresses, organisation_id__in=orgs),
        warm=[[""], [0]],
    )
    assert read.warm(100) > 8 and read.warm(100) == 0
    compiled = []
    monkeypatch.setattr(Prepared, "_prepare", lambda self, shaped: compiled.append(shaped))
    for count in (1, 3, 17, 100):
        emails = [p.email for p in people] + [f"x{i}@x.example" for i in range(count)]
        assert {c.pk for c in read(emails, [people[0].organisation_id])} == {people[0].pk}
    assert compiled == []


@pytest.mark.django_db(transaction=True)
def test_an_intake_warms_up_outside_any_transaction():
    """The listener and the poller warm up as they start, in no transaction: the reads
    that lock rows (`select_for_update`) still compile, on PostgreSQL too."""
    from casedesk.mail import intake

    intake.warm_up()
    assert not connection.in_atomic_block


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side prepared statements")
def test_on_postgresql_a_kept_statement_is_prepared_on_the_server_at_its_second_run():
    """The database plans a kept read once per connection (planning a case page's joins
    had cost more than running them), from its second run: a connection opened for one
    request prepares nothing. Query counts and logs still see every run, with its values."""
    org = OrganisationFactory(name="Acme")
    person = ContactFactory(organisation=org, email="p@acme.example.com")
    read = Prepared(lambda pk: Contact.objects.filter(pk=pk).select_related("organisation"))
    seen = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            assert [c.organisation.name for c in read(person.pk)] == ["Acme"]
        assert len(captured.captured_queries) == 1
        assert f"= {person.pk}" in captured.captured_queries[0]["sql"]
        statement = next(iter(read._statements.values())).sql.replace("%s", "$1")
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            seen.append([row[0] for row in cursor.fetchall()].count(statement))
    assert seen == [0, 1, 1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side prepared statements")
def test_with_preparing_turned_off_a_kept_read_goes_through_the_usual_cursor(monkeypatch):
    """`CASEDESK_PG_PREPARED=0` (a pooler that cannot keep prepared statements) leaves the
    threshold unset: nothing is prepared on the server."""
    org = OrganisationFactory(name="Acme")
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    read = Prepared(lambda pk: Organisation.objects.filter(pk=pk))

    def prepared_now() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return int(cursor.fetchone()[0])

    before = prepared_now()
    assert [o.name for o in read(org.pk)] == ["Acme"]
    assert [o.name for o in read(org.pk)] == ["Acme"]
    assert prepared_now() == before
