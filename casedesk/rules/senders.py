"""Whether an e-mail may act as the person it claims to be from.

A message from a contact opens a case or writes on one in that person's name, so the claim
in its From: is checked (SPF, DKIM, DMARC; `mime.authentication`) before it is believed.
From the verdict, the organisation's choice for mail that cannot be verified, and whether
it answers a reply address that was made for someone else, one of three things follows:
believe it, take it but mark it "sender not verified", or quarantine it with the reason.

Pure Python: no Django. `mail.senders` applies it.
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a secret. An aligned DMARC pass (or an aligned DKIM/SPF pass without a policy)
    FAIL = "fail"  # DMARC fails: the From domain says this did not come from it
    NONE = "none"  # nothing proves or disproves it (no signature, no policy, a DNS error)


class Unverified(StrEnum):
    """An organisation's choice for its contacts' mail without a verdict."""

    MARK = "mark"  # take it, marked "sender not verified"
    QUARANTINE = "quarantine"


class Action(StrEnum):
    TRUST = "trust"
    MARK = "mark"
    QUARANTINE = "quarantine"


def action(verdict: Verdict, unverified: Unverified, *, signed_for_other: bool = False) -> Action:
    """What to do with a message acting for a contact."""
    if signed_for_other or verdict == Verdict.FAIL:
        return Action.QUARANTINE
    if verdict == Verdict.PASS:
        return Action.TRUST
    return Action.QUARANTINE if unverified == Unverified.QUARANTINE else Action.MARK


def reason(verdict: Verdict, evidence: str, unverified: Unverified, *, signed_for_other: bool = False) -> str:
    """Why `action` quarantined the message; "" when it did not."""
    if signed_for_other:
        return (
            "It answers a reply address made for another recipient; the sender is not the one it was sent to."
        )
    if verdict == Verdict.FAIL:
        return f"The sender could not be authenticated (DMARC fail): {evidence}"
    if verdict == Verdict.NONE and unverified == Unverified.QUARANTINE:
        return f"The sender could not be verified and the organisation quarantines such mail: {evidence}"
    return ""
