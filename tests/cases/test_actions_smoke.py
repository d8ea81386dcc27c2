import pytest

from casedesk.cases import actions, selectors
from casedesk.rules.lifecycle import Status
from tests.factories import StaffFactory, customer, make_case

pytestmark = pytest.mark.django_db


def test_customer_opens_p4_case_needing_triage():
    user = customer()
    case = make_case(by=user)
    assert case.priority == "P4"
    assert case.needs_triage
    assert case.status == Status.NEW.value
    assert case.number.startswith("CS-")
    assert selectors.get_case(user, case.number) == case


def test_staff_reply_moves_new_to_in_progress():
    case = make_case()
    staff = StaffFactory()
    actions.add_comment(case, by=staff, body="Looking now")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS.value
