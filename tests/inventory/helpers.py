from __future__ import annotations

from casedesk.accounts.models import Organisation
from casedesk.inventory import actions
from casedesk.rules.inventory import Change
from tests.factories import OrganisationFactory, PlatformFactory, customer


def org_with_mpoc() -> tuple[Organisation, object]:
    platform = PlatformFactory(code="teams", name="Microsoft Teams")
    org = OrganisationFactory(platforms=[platform])
    return org, customer(org)


def seat(email: str = "ann@acme.example.com", name: str = "Ann Example", **values: str) -> Change:
    return Change("seat", "add", values={"email": email, "name": name, **values})


def number(raw: str = "+1 303 555 0100", address: str = "1 Main St, Denver CO", **values: str) -> Change:
    return Change("number", "add", values={"number": raw, "service_address": address, **values})


def licence(seat_email: str = "ann@acme.example.com", price: str = "30.00", **values: str) -> Change:
    return Change(
        "licence",
        "add",
        values={
            "platform": "teams",
            "product": "Teams Phone",
            "assigned_to": seat_email,
            "monthly_price": price,
            **values,
        },
    )


def add_basics(by, org) -> None:
    actions.apply_changes(by, org, [seat(), number(assigned_to="ann@acme.example.com")])


def run_tasks():
    """On-commit callbacks (the queued background tasks) run when the block ends, as they
    would after the request's commit."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def start_import(*args, **kwargs):
    from casedesk.inventory import jobs

    with run_tasks():
        job = jobs.start_import(*args, **kwargs)
    job.refresh_from_db()
    return job


def confirm_import(by, job):
    from casedesk.inventory import jobs

    with run_tasks():
        jobs.confirm_import(by, job)
    job.refresh_from_db()
    return job
