"""Concurrency on PostgreSQL: numbers stay unique, row locks lose no update."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from casedesk.cases import actions
from casedesk.cases.models import Case, Channel
from tests.factories import StaffFactory, customer, make_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_twenty_concurrent_creations_get_twenty_distinct_numbers():
    user = customer()
    cases = in_threads(
        20, lambda i: actions.open_case(by=user, title=f"Outage report {i}", channel=Channel.API)
    )
    numbers = {case.number for case in cases}
    assert len(numbers) == 20
    assert Case.objects.count() == 20


def test_two_concurrent_changes_on_one_case_lose_no_update():
    staff = StaffFactory()
    case = make_case()

    def work(index: int) -> object:
        if index == 0:
            return actions.transition(case, to="in_progress", by=staff, note="Picked up")
        return actions.update_details(case, by=staff, vendor="CarrierCo", vendor_ticket="CC-77")

    for _ in range(5):
        in_threads(2, work)
        case.refresh_from_db()
        assert case.status == "in_progress" and case.vendor == "CarrierCo"
        Case.objects.filter(pk=case.pk).update(status="new", vendor="", vendor_ticket="")


def test_concurrent_comments_are_all_kept():
    user = customer()
    case = make_case(by=user)
    in_threads(10, lambda i: actions.add_comment(case, by=user, body=f"update {i}"))
    assert case.events.filter(kind="comment").count() == 10
