"""Demo statements: each demo organisation's last three months' invoices, issued through the
billing actions from its demo inventory, so BillCenter and the console's billing pages have
something to show before the first 27th."""

from __future__ import annotations

from django.utils import timezone

from casedesk.accounts.models import Organisation
from casedesk.billing import actions, selectors
from casedesk.billing.models import Invoice

ACCOUNTS = ("ACME-1001", "BRL-2002")


def seed() -> None:
    coming = selectors.coming_period(timezone.localdate())
    periods = [coming.previous().previous().previous(), coming.previous().previous(), coming.previous()]
    for account in ACCOUNTS:
        org = Organisation.objects.filter(account_number=account).first()
        if org is None or Invoice.objects.filter(organisation=org).exists():
            continue
        for period in periods:
            actions.issue(org, period)
