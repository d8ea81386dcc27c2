"""A small fictional service inventory for each demo organisation, made through the
inventory's own action (so it is audited like any change). Idempotent."""

from __future__ import annotations

from casedesk.accounts.models import Contact, Organisation, User
from casedesk.inventory import actions
from casedesk.inventory.models import Item
from casedesk.rules.inventory import Change

PRICES = {
    "hosted-voice": "18.00",
    "teams-operator-connect": "8.00",
    "webex": "12.00",
    "contact-centre": "45.00",
}


def seed_inventory(
    org: Organisation, contacts: dict[str, Contact], codes: list[str], phone_base: str, by: User
) -> None:
    if Item.objects.filter(organisation=org).exists():
        return
    site = f"{org.name.split()[0]} HQ"
    address = "100 Example Way, Denver CO 80202"
    voice = next((c for c in codes if c in PRICES), codes[0])
    changes: list[Change] = []
    for index, first in enumerate(["Dana", "Sam", "Lee"]):
        email = contacts[first].email
        number = f"+1720555{int(phone_base) + index:04d}"
        changes += [
            Change(
                "seat",
                "add",
                values={
                    "email": email,
                    "name": contacts[first].name,
                    "extension": f"{201 + index}",
                    "site": site,
                    "cost_centre": "IT" if first != "Lee" else "Front office",
                },
            ),
            Change(
                "number",
                "add",
                values={
                    "number": number,
                    "service_address": address,
                    "assigned_to": email,
                    "monthly_price": "1.50",
                    "site": site,
                },
            ),
            Change(
                "device",
                "add",
                values={
                    "model": "Poly VVX 450",
                    "mac": f"00:04:F2:AA:{int(phone_base) % 100:02X}:{index:02X}",
                    "assigned_to": email,
                    "site": site,
                },
            ),
            Change(
                "licence",
                "add",
                values={
                    "platform": voice,
                    "product": "Business voice seat",
                    "assigned_to": email,
                    "monthly_price": PRICES.get(voice, "10.00"),
                    "site": site,
                },
            ),
        ]
    main = f"+1720555{int(phone_base) + 9:04d}"
    changes += [
        Change(
            "number",
            "add",
            values={"number": main, "service_address": address, "monthly_price": "1.50", "site": site},
        ),
        Change(
            "feature",
            "add",
            values={
                "feature_type": "auto_attendant",
                "name": "Main menu",
                "site": site,
                "monthly_price": "5.00",
            },
        ),
        Change(
            "feature",
            "add",
            values={"feature_type": "hunt_group", "name": "Front desk", "extension": "300", "site": site},
        ),
        Change(
            "feature", "add", values={"feature_type": "voicemail", "name": "General mailbox", "site": site}
        ),
    ]
    actions.apply_changes(by, org, changes, source="demo")
