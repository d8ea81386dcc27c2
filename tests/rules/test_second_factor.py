"""Who must sign in with a second factor, and the small pure pieces around it, as tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casedesk.rules import permissions as perms
from casedesk.rules import second_factor as rule
from casedesk.rules.permissions import Ability, StaffRole

A = Ability


@pytest.mark.parametrize(
    ("staff", "superuser", "role", "abilities", "must"),
    [
        # The plan's staff roles with their default abilities.
        (True, False, "representative", perms.DEFAULTS[StaffRole.REPRESENTATIVE], False),
        (True, False, "technician", perms.DEFAULTS[StaffRole.TECHNICIAN], False),
        (True, False, "manager", perms.DEFAULTS[StaffRole.MANAGER], False),
        (True, False, "billing", perms.DEFAULTS[StaffRole.BILLING], True),
        (True, False, "administrator", perms.DEFAULTS[StaffRole.ADMINISTRATOR], True),
        # The role's name alone: an administrator or billing role trimmed of abilities.
        (True, False, "administrator", set(), True),
        (True, False, "billing", set(), True),
        # A superuser, whatever the role (or none).
        (True, True, "", set(), True),
        (True, True, "technician", perms.DEFAULTS[StaffRole.TECHNICIAN], True),
        # A role given a sensitive ability in the admin.
        (True, False, "manager", {*perms.DEFAULTS[StaffRole.MANAGER], A.BILLING_CASES}, True),
        (True, False, "technician", {A.VIEW_CASES, A.ADMINISTER}, True),
        # Customer proprietary network information: no such ability yet; any so named counts.
        (True, False, "technician", {"view_cases", "cpni"}, True),
        (True, False, "representative", {"cpni_view_call_records"}, True),
        (True, False, "manager", {"CPNI"}, True),
        # Staff without a role.
        (True, False, "", set(), False),
        # Customers never must, whatever they hold (a financial contact sees billing).
        (False, False, "", perms.DEFAULTS[perms.CustomerRole.FINANCIAL], False),
        (False, True, "administrator", {"administer", "cpni"}, False),
    ],
)
def test_who_must_have_a_second_factor(staff, superuser, role, abilities, must):
    names = {str(a) for a in abilities}
    assert rule.must_have_second_factor(staff=staff, superuser=superuser, role=role, abilities=names) is must


def test_a_future_cpni_ability_is_covered_by_name():
    """The day `Ability.CPNI = "cpni"` is added and given to a role, the rule needs no change."""
    future = {a.value for a in perms.DEFAULTS[StaffRole.REPRESENTATIVE]} | {"cpni"}
    assert rule.must_have_second_factor(staff=True, superuser=False, role="representative", abilities=future)
    assert rule.is_sensitive("cpni") and rule.is_sensitive("cpni_export") and not rule.is_sensitive("comment")


def test_every_sensitive_ability_the_rules_know_is_a_real_one():
    known = {a.value for a in Ability}
    assert known >= rule.SENSITIVE_ABILITIES
    assert set(rule.ROLES) <= {r.value for r in StaffRole}


@given(
    role=st.sampled_from(["", *[r.value for r in StaffRole]]),
    superuser=st.booleans(),
    held=st.sets(st.sampled_from([a.value for a in Ability] + ["cpni"])),
    more=st.sets(st.sampled_from([a.value for a in Ability] + ["cpni"])),
)
def test_more_abilities_never_lift_the_requirement(role, superuser, held, more):
    before = rule.must_have_second_factor(staff=True, superuser=superuser, role=role, abilities=held)
    after = rule.must_have_second_factor(staff=True, superuser=superuser, role=role, abilities=held | more)
    assert after or not before


@pytest.mark.parametrize(
    ("verified_at", "now", "fresh"),
    [
        (None, 1000.0, False),
        (1000.0, 1000.0, True),
        (1000.0, 1000.0 + 600, True),  # exactly ten minutes
        (1000.0, 1000.0 + 601, False),
        (1000.0, 999.0, False),  # from the future: a clock set back proves nothing
    ],
)
def test_a_recent_second_factor(verified_at, now, fresh):
    assert rule.verification_fresh(verified_at, now, 600) is fresh


@pytest.mark.parametrize(
    ("typed", "stored", "totp", "recovery"),
    [
        ("123 456", "123456", True, False),
        ("123-456", "123456", True, False),
        ("12345", "12345", False, False),
        ("abcde-fgh23", "abcdefgh23", False, True),
        ("ABCDE FGH23", "abcdefgh23", False, True),
        ("abcde-fgh21", "abcdefgh21", False, False),  # 1 is not base32
        ("", "", False, False),
    ],
)
def test_typed_codes(typed, stored, totp, recovery):
    code = rule.normalise_code(typed)
    assert code == stored
    assert rule.looks_like_totp(code) is totp
    assert rule.looks_like_recovery_code(code) is recovery


def test_a_recovery_code_is_shown_in_two_groups():
    assert rule.show_recovery_code("abcdefgh23") == "abcde-fgh23"
    assert rule.normalise_code(rule.show_recovery_code("abcdefgh23")) == "abcdefgh23"


LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (
            f"{LINUX} Chrome/120.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            f"{IPHONE} Version/17.1 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            f"{WINDOWS} Chrome/120.0 Safari/537.36 Edg/120.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0",
            "Firefox on macOS",
        ),
        ("curl/8.4.0", "curl"),
        ("", "Unknown browser"),
    ],
)
def test_a_sessions_browser_in_words(agent, name):
    assert rule.describe_user_agent(agent) == name


@given(st.text())
def test_a_kept_user_agent_is_bounded_and_printable(agent):
    kept = rule.bounded_user_agent(agent)
    assert len(kept) <= rule.USER_AGENT_MAX
    assert all(ch.isprintable() for ch in kept)
