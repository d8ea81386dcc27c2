"""MACD requests for tests: an organisation with MPOCs, a technician on the MACD team, and a
request submitted through the action."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from casedesk.accounts.models import Contact, Organisation, Team, User
from casedesk.macd import actions
from casedesk.macd.models import OrganisationSettings
from casedesk.outbox.models import OutboundMessage
from tests.factories import ContactFactory, OrganisationFactory, StaffFactory, UserFactory

CHANGES = [{"kind": "seat", "op": "add", "details": "New hire Pat Doe, pat@acme.example.com"}]


@dataclass
class World:
    org: Organisation
    dana: User  # primary MPOC
    sam: User  # secondary MPOC
    kim: User  # secondary MPOC
    lee: User  # not an MPOC
    tech: User
    team: Team


def _person(org: Organisation, name: str, **flags: Any) -> User:
    user = UserFactory(email=f"{name}@{org.account_number.lower()}.example.com")
    ContactFactory(organisation=org, user=user, email=user.email, name=name.capitalize(), **flags)
    return User.objects.get(pk=user.pk)


def world(*, rule: str = "any", mpocs: int = 2) -> World:
    org = OrganisationFactory()
    if rule != "any":
        OrganisationSettings.objects.create(organisation=org, approval_rule=rule)
    dana = _person(org, "dana", is_primary_mpoc=True, is_secondary_mpoc=False)
    sam = _person(org, "sam")
    kim = _person(org, "kim", is_secondary_mpoc=mpocs >= 3)
    lee = _person(org, "lee", is_secondary_mpoc=False)
    team, _ = Team.objects.get_or_create(slug="provisioning", defaults={"name": "Provisioning"})
    tech = StaffFactory()
    team.members.add(tech)
    return World(org, dana, sam, kim, lee, tech, team)


def submit(by: Any, **kw: Any):
    kw.setdefault("title", "New hire")
    kw.setdefault("changes", CHANGES)
    return actions.submit(actions.Submission(by=by, **kw))


def approval_links(to: str) -> dict[str, str]:
    """The approve and decline links of the latest approval request to `to`, from the outbox."""
    message = OutboundMessage.objects.filter(kind="macd_approval", to=to).order_by("-id").first()
    assert message is not None, f"no approval request to {to}"
    found = dict(re.findall(r"(Approve|Decline): (\S+)", message.text))
    return {k.lower(): v for k, v in found.items()}


def token_of(link: str) -> str:
    return link.split("/macd/approval/")[1].split("/")[0]


def contact_of(user: User) -> Contact:
    return Contact.objects.get(user=user)
