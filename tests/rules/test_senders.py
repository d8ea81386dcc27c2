"""Whether an e-mail may act as its sender, as a table."""

from __future__ import annotations

import pytest

from casedesk.rules.senders import Action, Unverified, Verdict, action, reason

MARK, HOLD = Unverified.MARK, Unverified.QUARANTINE


@pytest.mark.parametrize(
    ("verdict", "unverified", "signed_for_other", "expected"),
    [
        (Verdict.PASS, MARK, False, Action.TRUST),
        (Verdict.PASS, HOLD, False, Action.TRUST),
        (Verdict.FAIL, MARK, False, Action.QUARANTINE),
        (Verdict.FAIL, HOLD, False, Action.QUARANTINE),
        (Verdict.NONE, MARK, False, Action.MARK),
        (Verdict.NONE, HOLD, False, Action.QUARANTINE),
        # a reply address made for someone else: held whatever the verdict
        (Verdict.PASS, MARK, True, Action.QUARANTINE),
        (Verdict.NONE, MARK, True, Action.QUARANTINE),
        (Verdict.FAIL, HOLD, True, Action.QUARANTINE),
    ],
)
def test_action(verdict, unverified, signed_for_other, expected):
    assert action(verdict, unverified, signed_for_other=signed_for_other) == expected
    why = reason(
        verdict, "dmarc=fail header.from=acme.example.com", unverified, signed_for_other=signed_for_other
    )
    assert bool(why) == (expected == Action.QUARANTINE)


def test_the_reason_names_the_evidence():
    assert "dmarc=fail" in reason(Verdict.FAIL, "dmarc=fail", MARK)
    assert "another recipient" in reason(Verdict.PASS, "", MARK, signed_for_other=True)
