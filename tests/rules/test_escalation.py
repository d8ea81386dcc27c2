"""Who an escalation reaches, as tables (SPEC §6)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules.escalation import Contact, Escalated, next_level, reachable

CLOUD, CISCO, MICROSOFT = 11, 12, 13  # teams
VOICE = 21  # a platform

DESK = Contact(1, key=1)
NETOPS = Contact(2, key=2, legacy_only=True)
CLOUD_MGR = Contact(3, key=3, team=CLOUD)
CISCO_MGR = Contact(3, key=4, team=CISCO)
MICROSOFT_MGR = Contact(3, key=5, team=MICROSOFT)
ON_CALL_ON = Contact(4, key=6, in_hours=True)
ON_CALL_OFF = Contact(4, key=6, in_hours=False)
NOC = Contact(5, key=7)
VP = Contact(6, key=8)
CEO = Contact(7, key=9)


def path(on_call: Contact) -> list[Contact]:
    return [DESK, NETOPS, CLOUD_MGR, CISCO_MGR, MICROSOFT_MGR, on_call, NOC, VP, CEO]


def walk(contacts: list[Contact], case: Escalated) -> list[tuple[int, list[int]]]:
    steps, current = [], 0
    while True:
        current, reached = next_level(contacts, current, case)
        if not current:
            return steps
        steps.append((current, [c.key for c in reached]))


@pytest.mark.parametrize(
    ("legacy", "on_call", "team", "expected"),
    [
        (False, ON_CALL_OFF, CLOUD, [(1, [1]), (3, [3]), (5, [7]), (6, [8]), (7, [9])]),
        (False, ON_CALL_ON, CLOUD, [(1, [1]), (3, [3]), (4, [6]), (5, [7]), (6, [8]), (7, [9])]),
        (True, ON_CALL_OFF, CISCO, [(1, [1]), (2, [2]), (3, [4]), (5, [7]), (6, [8]), (7, [9])]),
        (True, ON_CALL_ON, MICROSOFT, [(1, [1]), (2, [2]), (3, [5]), (4, [6]), (5, [7]), (6, [8]), (7, [9])]),
        (False, ON_CALL_OFF, None, [(1, [1]), (5, [7]), (6, [8]), (7, [9])]),
        (True, ON_CALL_ON, 99, [(1, [1]), (2, [2]), (4, [6]), (5, [7]), (6, [8]), (7, [9])]),
    ],
    ids=["day", "night", "legacy-day", "legacy-night", "no-platform", "team-without-manager"],
)
def test_the_support_path_in_the_plans_order(legacy, on_call, team, expected):
    case = Escalated(platform=VOICE, team=team, legacy_network=legacy)
    assert walk(path(on_call), case) == expected


@pytest.mark.parametrize(
    ("level", "case", "keys"),
    [
        # A platform's own contact wins over its team's and over the general ones.
        ([Contact(3, key=1, platform=VOICE), Contact(3, key=2)], Escalated(platform=VOICE), [1]),
        ([Contact(3, key=1, platform=VOICE), Contact(3, key=2)], Escalated(platform=99), [2]),
        ([Contact(3, key=1, team=CLOUD), Contact(3, key=2)], Escalated(team=CLOUD), [1]),
        ([Contact(3, key=1, team=CLOUD), Contact(3, key=2)], Escalated(team=CISCO), [2]),
        # Contacts not yet linked to their teams are all general: every one hears of it.
        ([Contact(3, key=1), Contact(3, key=2)], Escalated(team=CLOUD), [1, 2]),
        ([Contact(2, key=1, legacy_only=True)], Escalated(legacy_network=False), []),
        ([Contact(2, key=1, legacy_only=True)], Escalated(legacy_network=True), [1]),
        ([Contact(4, key=1, in_hours=False)], Escalated(), []),
        ([Contact(3, key=1, team=CLOUD, in_hours=False), Contact(3, key=2)], Escalated(team=CLOUD), [2]),
        ([], Escalated(), []),
    ],
)
def test_reachable(level, case, keys):
    assert [c.key for c in reachable(level, case)] == keys


def test_levels_need_not_be_numbered_one_by_one_and_the_top_is_the_end():
    contacts = [Contact(10, key=1), Contact(20, key=2)]
    assert next_level(contacts, 0, Escalated()) == (10, [contacts[0]])
    assert next_level(contacts, 10, Escalated()) == (20, [contacts[1]])
    assert next_level(contacts, 20, Escalated()) == (0, [])
    assert next_level([], 0, Escalated()) == (0, [])


ACME, GLOBEX = 31, 32  # partners (organisation ids)


@pytest.mark.parametrize(
    ("level", "case", "keys"),
    [
        # A partner's contacts hear in place of the general ones, for its customers only.
        ([Contact(2, key=1, partner=ACME), Contact(2, key=2)], Escalated(partner=ACME), [1]),
        ([Contact(2, key=1, partner=ACME), Contact(2, key=2)], Escalated(partner=GLOBEX), [2]),
        ([Contact(2, key=1, partner=ACME), Contact(2, key=2)], Escalated(), [2]),
        # Another partner's contacts are never reached, even when nobody else is on the level.
        ([Contact(2, key=1, partner=ACME)], Escalated(partner=GLOBEX), []),
        ([Contact(2, key=1, partner=ACME)], Escalated(), []),
        (
            [Contact(2, key=1, partner=ACME), Contact(2, key=2, partner=GLOBEX)],
            Escalated(partner=GLOBEX),
            [2],
        ),
        # The partner's contacts replace the platform managers too, and choose among themselves.
        (
            [Contact(3, key=1, partner=ACME), Contact(3, key=2, platform=VOICE)],
            Escalated(VOICE, partner=ACME),
            [1],
        ),
        (
            [Contact(3, key=1, partner=ACME, platform=VOICE), Contact(3, key=2, partner=ACME)],
            Escalated(platform=VOICE, partner=ACME),
            [1],
        ),
        (
            [Contact(3, key=1, partner=ACME, platform=VOICE), Contact(3, key=2, partner=ACME)],
            Escalated(platform=99, partner=ACME),
            [2],
        ),
        # A partner's contact for another platform only: the provider's contacts are reached.
        (
            [Contact(3, key=1, partner=ACME, platform=VOICE), Contact(3, key=2)],
            Escalated(platform=99, partner=ACME),
            [2],
        ),
        # Out of hours, the partner's contact is passed over for the general one.
        ([Contact(4, key=1, partner=ACME, in_hours=False), Contact(4, key=2)], Escalated(partner=ACME), [2]),
        (
            [Contact(2, key=1, partner=ACME, legacy_only=True), Contact(2, key=2)],
            Escalated(partner=ACME, legacy_network=False),
            [2],
        ),
    ],
)
def test_a_partners_own_contacts(level, case, keys):
    assert [c.key for c in reachable(level, case)] == keys


def test_a_partners_customer_walks_the_path_with_its_partner_in_place_of_the_platform_managers():
    contacts = [*path(ON_CALL_OFF), Contact(3, key=20, partner=ACME), Contact(6, key=21, partner=ACME)]
    case = Escalated(platform=VOICE, team=CLOUD, partner=ACME)
    assert walk(contacts, case) == [(1, [1]), (3, [20]), (5, [7]), (6, [21]), (7, [9])]
    other = Escalated(platform=VOICE, team=CLOUD, partner=GLOBEX)
    assert walk(contacts, other) == [(1, [1]), (3, [3]), (5, [7]), (6, [8]), (7, [9])]


@given(
    st.lists(
        st.builds(
            Contact,
            level=st.just(1),
            key=st.integers(0, 50),
            in_hours=st.booleans(),
            platform=st.sampled_from([None, VOICE]),
            partner=st.sampled_from([None, ACME, GLOBEX]),
        ),
        max_size=8,
    ),
    st.sampled_from([None, ACME, GLOBEX]),
)
def test_no_one_for_another_partner_is_ever_reached(level, partner):
    reached = reachable(level, Escalated(platform=VOICE, partner=partner))
    assert all(c.partner in (None, partner) for c in reached)
    assert all(c.in_hours for c in reached)
    if any(c.partner == partner and c.in_hours for c in level if partner is not None):
        assert reached and all(c.partner == partner for c in reached)
