"""The invoice e-mail: to the organisation's financial contacts and/or its primary MPOC (its
billing account's setting), with the stored PDF attached when the outbox sends it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from casedesk.accounts.models import Contact, Organisation
from casedesk.billing.models import Account, Invoice, InvoiceMail
from casedesk.core import bulk, clock
from casedesk.outbox import delivery

KIND = "invoice"


def recipients(organisation: Organisation, send_to: str) -> list[str]:
    contacts = Contact.objects.filter(organisation=organisation).exclude(email="")
    wanted: list[str] = []
    if send_to in (Account.SendTo.FINANCIAL, Account.SendTo.BOTH):
        wanted += list(
            contacts.filter(is_financial_contact=True).order_by("id").values_list("email", flat=True)
        )
    if send_to in (Account.SendTo.MPOC, Account.SendTo.BOTH) or not wanted:
        # No financial contact named: the primary MPOC gets it rather than nobody.
        wanted += list(contacts.filter(is_primary_mpoc=True).values_list("email", flat=True))
    return list(dict.fromkeys(a.strip().lower() for a in wanted if a.strip()))


def queue(invoice: Invoice, addresses: Sequence[str], *, key: str | None) -> int:
    """Queue the e-mail to each address in the caller's transaction; `key`: the run's key
    (organisation and period), so a repeated run queues nothing more. Returns rows added."""
    organisation = invoice.organisation
    now = clock.now()
    messages = [
        delivery.build_template(
            kind=KIND,
            to=address,
            template="invoice",
            context={"invoice": invoice, "organisation": organisation},
            brand_of=organisation,
            dedupe_key=f"invoice:{key}:{address}" if key else None,
        )
        for address in addresses
    ]
    if key:
        # The run writes its e-mails with the invoice's `mailed_at`, under the invoice's row
        # lock: while that is unset none of these keys was ever queued, so one insert does.
        saved = delivery.save_many(messages, fresh=True)
    else:
        saved = [m for m in messages if delivery.save(m) is not None]
    rows = [
        InvoiceMail(invoice=invoice, message=m, key=f"{key}:{m.to}" if key else None, created_at=now)
        for m in saved
    ]
    bulk.insert(rows)
    return len(rows)


def attachments_of(message: Any) -> list[tuple[str, bytes, str]]:
    mail = InvoiceMail.objects.filter(message_id=message.pk).select_related("invoice").first()
    if mail is None or not mail.invoice.pdf:
        return []
    return [(f"{mail.invoice.reference}.pdf", bytes(mail.invoice.pdf), "application/pdf")]
