"""The monthly run (SPEC §9: on the 27th, provider's time): every organisation's invoice for
the period finalized and e-mailed, once.

Organisations are read in key order a chunk at a time, so memory stays flat however many
there are. Each organisation is one transaction: its invoice finalized (number, PDF) and
its e-mails written to the outbox under the key (organisation, period), together. A run
repeated, or killed half-way and started again, finds the finished organisations' invoices
mailed and skips them; one that was half done rolled back whole. The outbox sends the PDF
stored at finalization, so every copy carries the same bytes."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from casedesk.accounts.models import Organisation
from casedesk.billing import actions, drafts, mailing
from casedesk.billing.models import Invoice, InvoiceLine, Run
from casedesk.core import clock
from casedesk.core.errors import Refused
from casedesk.rules import invoicing
from casedesk.rules.invoicing import Period

log = logging.getLogger(__name__)
CHUNK = 200


class _NothingToBill(Exception):
    pass


def organisation_ids(chunk: int = CHUNK) -> Any:
    """The organisations billed, in key order, a chunk of ids at a time."""
    query = Organisation.objects.exclude(account_number=settings.CASEDESK_PROVIDER_ACCOUNT).order_by("pk")
    last = 0
    while True:
        ids = list(query.filter(pk__gt=last).values_list("pk", flat=True)[:chunk])
        if not ids:
            return
        yield ids
        last = ids[-1]


def invoice_one(
    organisation_id: int, period: Period, now: datetime, tax: list[invoicing.Tax] | None = None
) -> tuple[str, Decimal, str]:
    """One organisation's part of the run: (outcome, total, reason). Outcomes: finalized
    (and mailed), done (already, by an earlier run), empty, unmailed (finalized, no one to
    send it to: the next run tries the e-mail again)."""
    try:
        with transaction.atomic():
            organisation = Organisation.objects.get(pk=organisation_id)
            invoice = (
                Invoice.objects.select_for_update()
                .filter(organisation_id=organisation_id, period=str(period))
                .first()
            )
            if invoice is not None and invoice.finalized and invoice.mailed_at is not None:
                return "done", invoice.total, ""
            fresh = invoice is None or not invoice.finalized
            if fresh:
                invoice = actions.issue(organisation, period, tax=tax)
                if not invoice.total and not InvoiceLine.objects.filter(invoice=invoice).exists():
                    raise _NothingToBill
            assert invoice is not None
            addresses = mailing.recipients(organisation, actions.account(organisation).send_to)
            if not addresses:
                return (
                    "unmailed",
                    invoice.total,
                    "no financial contact or primary MPOC with an e-mail address",
                )
            mailing.queue(invoice, addresses, key=f"{organisation_id}:{period}")
            invoice.mailed_at = now
            invoice.save(update_fields=["mailed_at"])
            return ("finalized" if fresh else "mailed"), invoice.total, ""
    except _NothingToBill:
        return "empty", Decimal("0.00"), ""


def run(period: Period | str, *, source: str, now: datetime | None = None, chunk: int = CHUNK) -> Run:
    period = Period.parse(str(period))
    now = now or clock.now()
    summary = Run.objects.create(period=str(period), started_at=now, source=source)
    failures: list[dict[str, Any]] = []
    total = Decimal("0.00")
    tax = drafts.taxes()
    for ids in organisation_ids(chunk):
        for pk in ids:
            summary.organisations += 1
            try:
                outcome, amount, reason = invoice_one(pk, period, now, tax)
            except Refused as exc:
                outcome, amount, reason = "failed", Decimal("0.00"), str(exc)
            except Exception as exc:
                log.exception("invoice run %s: organisation %s failed", period, pk)
                outcome, amount, reason = "failed", Decimal("0.00"), f"{type(exc).__name__}: {exc}"
            if outcome in ("finalized", "mailed"):
                summary.finalized += outcome == "finalized"
                summary.mailed += 1
            elif outcome == "done":
                summary.already_done += 1
            if outcome in ("finalized", "mailed", "done", "unmailed"):
                total += amount
            if reason:
                name = Organisation.objects.filter(pk=pk).values_list("name", flat=True).first() or ""
                failures.append({"organisation": pk, "name": name, "reason": reason})
        # The summary so far, so a run that dies half-way still shows how far it got.
        summary.total, summary.failures = total, failures
        summary.save(
            update_fields=["organisations", "finalized", "already_done", "mailed", "total", "failures"]
        )
    summary.finished_at = clock.now()
    summary.save()
    return summary


def prepare_drafts(period: Period | str, *, by: Any, chunk: int = CHUNK) -> int:
    """Every organisation's draft for the coming run, rebuilt from what is billable now, for
    billing staff to review; finalized invoices are left alone. Returns drafts written."""
    from casedesk.billing.access import require_billing_staff

    require_billing_staff(by)
    period = Period.parse(str(period))
    written = 0
    for ids in organisation_ids(chunk):
        finalized = set(
            Invoice.objects.filter(
                organisation_id__in=ids, period=str(period), status=Invoice.Status.FINALIZED
            ).values_list("organisation_id", flat=True)
        )
        for organisation in Organisation.objects.filter(pk__in=[i for i in ids if i not in finalized]):
            actions.draft(organisation, period)
            written += 1
    return written
