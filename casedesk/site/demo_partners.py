"""A demo partner and a demo rebiller, each managing one demo customer through delegates, so
the portal's *Acting for* switcher, the one queue across customers, *Partner access* and a
rebiller's brand have something to show."""

from __future__ import annotations

from collections.abc import Callable

from casedesk.accounts import partners
from casedesk.accounts.models import Contact, Organisation, User
from casedesk.branding.models import Brand
from casedesk.rules.partners import Kind, Scope

# (name, account, kind, mail domain, customer managed, phone base)
FIRMS = [
    ("Northwind IT Partners", "NWP-4004", Kind.PARTNER, "northwind", "BRL-2002", "0161"),
    ("Summit Voice", "SUM-5005", Kind.REBILLER, "summitvoice", "CVS-3003", "0181"),
]
# (first name, title, primary MPOC, scope on the managed customer)
PEOPLE = [("Pat", "Account Manager", True, Scope.FULL), ("Quinn", "Support Engineer", False, Scope.CASES)]


def seed(admin: User, make_user: Callable[[str, str, str], User]) -> list[tuple[str, str]]:
    """Create what is missing; the (login, what it is) pairs of the firms' people."""
    logins: list[tuple[str, str]] = []
    for name, account, kind, domain, managed, phone_base in FIRMS:
        firm, _ = Organisation.objects.get_or_create(
            account_number=account, defaults={"name": name, "kind": kind.value}
        )
        customer = Organisation.objects.filter(account_number=managed).first()
        if customer is None:
            continue
        if customer.partner_id is None:
            partners.set_partner(admin, customer, firm)
        if kind == Kind.REBILLER:
            Brand.objects.get_or_create(
                organisation=firm,
                defaults={
                    "name": name,
                    "primary_colour": "#1f4e5f",
                    "accent_colour": "#b5541c",
                    "support_email": f"help@{domain}.example.com",
                    "support_phone": f"303-555-{int(phone_base) + 9:04d}",
                },
            )
        for index, (first, title, primary, scope) in enumerate(PEOPLE):
            email = f"{first.lower()}@{domain}.example.com"
            person, _ = Contact.objects.get_or_create(
                organisation=firm,
                email=email,
                defaults={
                    "name": f"{first} {name.split()[0]}",
                    "title": title,
                    "phone": f"303-555-{int(phone_base) + index:04d}",
                    "user": make_user(email, first, name.split()[0]),
                    "is_primary_mpoc": primary,
                    "is_technical": True,
                },
            )
            if not Contact.objects.filter(delegate_of=person, organisation=customer).exists():
                partners.grant(admin, person, customer, scope.value)
            what = "primary MPOC" if primary else "contact"
            access = f"acts for {customer.name} ({scope.label.lower()})"
            logins.append((email, f"{name} ({kind.label.lower()}), {what}; {access}"))
    return logins
