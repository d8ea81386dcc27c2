"""Two intakes of batches at once on PostgreSQL: no deadlock, nothing lost, fair turns."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from casedesk.accounts.models import Shift
from casedesk.cases import actions
from casedesk.cases.models import Case, CaseEvent, Channel
from casedesk.mail import batch
from tests.cases.test_concurrency import in_threads
from tests.factories import ContactFactory, OrganisationFactory, PlatformFactory, StaffFactory, TeamFactory
from tests.mail.mailgen import make_mail

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _site(now):
    team = TeamFactory()
    techs = [StaffFactory(), StaffFactory()]
    team.members.set(techs)
    for tech in techs:
        Shift.objects.create(user=tech, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8))
    org = OrganisationFactory(platforms=[PlatformFactory(team=team)])
    return ContactFactory(organisation=org, is_primary_mpoc=True), techs


def test_two_batches_at_once_lose_nothing_and_take_turns_fairly():
    now = timezone.now()
    (mpoc_a, techs_a), (mpoc_b, techs_b) = _site(now), _site(now)
    existing = [actions.open_case(by=mpoc_a, title=f"Open {i}", channel=Channel.PORTAL) for i in range(3)]

    def mailbox(index: int) -> list[bytes]:
        # Each intake meets the teams and the open cases in the opposite order.
        senders = [mpoc_b, mpoc_a] if index == 0 else [mpoc_a, mpoc_b]
        cases = existing if index == 0 else existing[::-1]
        raws = [make_mail(s.email, subject=f"New {index}-{i}") for i in range(6) for s in senders]
        raws += [make_mail(mpoc_a.email, subject=f"Re: [{c.number}]", body=f"from {index}") for c in cases]
        return raws

    boxes = [mailbox(0), mailbox(1)]
    results = in_threads(2, lambda index: batch.ingest_many(boxes[index], batch=15))
    outcomes = Counter(r.outcome for batch in results for r in batch)  # type: ignore[attr-defined]
    assert outcomes == {"created": 24, "appended": 6}
    for case in existing:
        assert CaseEvent.objects.filter(case=case, kind="comment").count() == 2
    for techs in (techs_a, techs_b):
        turns = Counter(Case.objects.filter(assignee__in=techs).values_list("assignee_id", flat=True))
        assert sorted(turns.values()) == [6, 6]  # twelve new cases, in turn, none picked twice
