"""Notice of account changes (CPNI): a change of an authorised contact, a passcode, the
address of record or an online account's sign-in is told to the address of record (the old
address when the address itself changed), without the changed data."""

from __future__ import annotations

from typing import Any

from casedesk.core import clock
from casedesk.outbox import delivery
from casedesk.rules import cpni


def account_change(organisation: Any, change: cpni.Change, *, current: str, previous: str = "") -> None:
    """Queue the notice in the caller's transaction (sent after commit)."""
    to = cpni.notice_address(change, current=current, previous=previous)
    if not to:
        return
    delivery.enqueue_template(
        kind="account_change",
        to=to,
        template="account_change",
        context={"organisation": organisation, "sentence": change.sentence, "when": clock.now()},
        brand_of=organisation,
    )


def send_cpni(organisation: Any, *, to: str, template: str, context: dict[str, Any], kind: str) -> Any:
    """Queue a notice that bears CPNI: only to an address on file for the organisation (the
    address of record or an authorised contact's), never to one given in a chat or an
    e-mail; None when refused."""
    from casedesk.privacy import selectors

    return delivery.enqueue_template(
        kind=kind,
        to=to,
        template=template,
        context={"organisation": organisation, **context},
        cpni_on_file=selectors.addresses_on_file(organisation),
        brand_of=organisation,
    )
