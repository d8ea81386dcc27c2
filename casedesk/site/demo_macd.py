"""Demo MACD requests: the provisioning and 24x7 teams, Acme's pre-approved licence removals,
one request approved and worked (16 minutes logged: $50.00 so far), one awaiting the second
MPOC's approval (Blue Ridge asks all its MPOCs)."""

from __future__ import annotations

from django.conf import settings

from casedesk.accounts.models import Contact, Organisation, Team, User
from casedesk.macd import actions, timesheet
from casedesk.macd.models import OrganisationSettings, PreApprovedChange

TEAMS = [("Provisioning", settings.CASEDESK_MACD_TEAM), ("24x7 operations", settings.CASEDESK_MACD_24X7_TEAM)]


def seed(staff: dict[str, User]) -> None:
    teams = [Team.objects.get_or_create(slug=slug, defaults={"name": name})[0] for name, slug in TEAMS]
    theo = staff.get("Theo")
    if theo is not None:
        teams[0].members.add(theo)
    for account, rule in (("ACME-1001", "any"), ("BRL-2002", "all")):
        org = Organisation.objects.filter(account_number=account).first()
        if org is None or org.cases.filter(kind="macd").exists():
            continue
        OrganisationSettings.objects.get_or_create(organisation=org, defaults={"approval_rule": rule})
        PreApprovedChange.objects.get_or_create(
            organisation=org,
            change_type="licence:delete",
            defaults={"note": "Leavers' licences stop billing."},
        )
        dana = Contact.objects.filter(organisation=org, is_primary_mpoc=True).select_related("user").first()
        if dana is None or dana.user is None:
            continue
        new_hire = actions.submit(
            actions.Submission(
                by=dana.user,
                title="New hire: Pat Doe, reception",
                changes=[
                    {"kind": "seat", "op": "add", "details": "Pat Doe, reception, starts Monday"},
                    {"kind": "number", "op": "add", "details": "A direct number for reception"},
                ],
            )
        )
        if rule == "any" and theo is not None:
            timesheet.log_time(new_hire, by=theo, minutes=16, note="Created the seat and assigned a number")
