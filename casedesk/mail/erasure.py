"""A person's received e-mail under a privacy erasure: the messages they sent are kept as a
record that mail arrived (when, its size, its fingerprint, its outcome and case) but lose
what identifies or quotes them: the raw bytes, the sender, the subject, the reading and the
authentication evidence. Quarantined or waiting messages of theirs are settled as rejected,
so nothing tries to read them again."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q

from casedesk.mail.models import InboundMessage

ERASED = "erased@erased.invalid"
NOTE = "Erased at the sender's privacy request."


def forget_sender(address: str, contact_ids: Sequence[int]) -> int:
    address = address.strip()
    if not address:
        return 0
    theirs = InboundMessage.objects.filter(Q(sender__iexact=address) | Q(envelope_from__iexact=address))
    unsettled = (InboundMessage.State.PENDING, InboundMessage.State.QUARANTINED)
    theirs.filter(state__in=unsettled).update(state=InboundMessage.State.REJECTED, next_attempt_at=None)
    return theirs.update(
        raw=b"",
        sender=ERASED,
        envelope_from="",
        subject="",
        reading=None,
        auth_evidence="",
        last_error="",
        reason=NOTE,
    )
