"""Reads of organisations, contacts, platforms, teams and staff, for views and the API.

Staff see every organisation; a customer sees only their own (another organisation's
contact answers 404, as if it did not exist)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case as Conditional
from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from casedesk.accounts.models import Contact, Organisation, Platform, Team, User
from casedesk.accounts.permissions import customer_contact, is_staff
from casedesk.accounts.phones import e164
from casedesk.core.errors import NotFound
from casedesk.core.prepared import Prepared


def organisations(term: str = "") -> QuerySet[Organisation]:
    qs = Organisation.objects.order_by("name", "id")
    term = term.strip()
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(account_number__iexact=term))
    return qs


def organisations_named(ref: str) -> QuerySet[Organisation, Any]:
    """The organisation whose name or account number is `ref`, whatever its case: a
    subquery for filters, so naming an organisation costs no query of its own."""
    ref = ref.strip()
    return Organisation.objects.filter(Q(name__iexact=ref) | Q(account_number__iexact=ref)).values("pk")


def organisation_by_ref(ref: str) -> Organisation | None:
    """The organisation of that name or account number (any case), if there is one."""
    ref = " ".join(ref.split())
    return Organisation.objects.filter(pk__in=organisations_named(ref)).first() if ref else None


def suggest_organisations(user: Any, term: str, limit: int = 10) -> list[Organisation]:
    """Organisations for a type-ahead, as `user` may see them: staff every organisation, a
    customer only their own. Names starting with the words typed first, then names holding
    them, then account numbers starting with them; active ones before inactive."""
    term = term.strip()[:100]
    if len(term) < 2:
        return []
    qs = Organisation.objects.all()
    if not is_staff(user):
        contact = customer_contact(user)
        if contact is None:
            return []
        qs = qs.filter(pk=contact.organisation_id)
    rank = Conditional(
        When(name__istartswith=term, then=Value(0)),
        When(name__icontains=term, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        qs.filter(Q(name__icontains=term) | Q(account_number__istartswith=term))
        .annotate(rank=rank)
        .only("id", "name", "account_number", "active")
        .order_by("-active", "rank", "name")[:limit]
    )


def teams_marking_mine(user: Any) -> list[Team]:
    """Every team by name, each with `mine` telling whether `user` is a member (one query
    for the team lists of a page and the user's own teams)."""
    membership = Team.members.through.objects.filter(team_id=OuterRef("pk"), user_id=user.pk)
    return list(Team.objects.annotate(mine=Exists(membership)).only("id", "name").order_by("name"))


def active_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(active=True).only("id", "name").order_by("name")


def get_organisation(org_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound("No such organisation.")
    return org


def contacts_of(org: Organisation, term: str = "") -> QuerySet[Contact]:
    qs = Contact.objects.filter(organisation=org).order_by("name", "id")
    term = term.strip()
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(email__icontains=term))
    return qs


def colleagues(organisation_id: int, excluding: Iterable[int | None] = ()) -> QuerySet[Contact]:
    """The organisation's active contacts but those named (a case's contact and participants)."""
    qs = Contact.objects.filter(organisation_id=organisation_id, active=True)
    return qs.exclude(pk__in=[pk for pk in excluding if pk is not None]).order_by("name", "id")


# A contact by id with its organisation, for staff (any) and for a customer (their
# organisation's), all or active only (the key): asked whenever a case is opened for
# someone, so built once per process (`core.prepared`).
_CONTACT: dict[bool, Prepared[Contact]] = {
    False: Prepared(lambda pk: Contact.objects.select_related("organisation").filter(pk=pk).order_by()),
    True: Prepared(
        lambda pk: Contact.objects.select_related("organisation").filter(pk=pk, active=True).order_by()
    ),
}
_OWN_CONTACT: dict[bool, Prepared[Contact]] = {
    False: Prepared(
        lambda pk, org: (
            Contact.objects.select_related("organisation").filter(pk=pk, organisation_id=org).order_by()
        )
    ),
    True: Prepared(
        lambda pk, org: (
            Contact.objects.select_related("organisation")
            .filter(pk=pk, organisation_id=org, active=True)
            .order_by()
        )
    ),
}
ID_LIMIT = 2**63  # a larger number is no row's key (the ORM answers it with no rows too)


def contact_for(user: Any, contact_id: int | str | None, *, active_only: bool = False) -> Contact | None:
    """A contact `user` may see (any for staff, their organisation's for a customer), or None."""
    if contact_id is None or not str(contact_id).strip().isdigit():
        return None
    pk = int(contact_id)
    if pk >= ID_LIMIT:
        return None
    if is_staff(user):
        found = _CONTACT[active_only](pk)
    else:
        own = customer_contact(user)
        if own is None:
            return None
        found = _OWN_CONTACT[active_only](pk, own.organisation_id)
    return found[0] if found else None


def get_contact(user: Any, contact_id: int) -> Contact:
    found = contact_for(user, contact_id)
    if found is None:
        raise NotFound("No such contact.")
    return found


def contacts_by_email(address: str) -> list[Contact]:
    """Active contacts with exactly this address, in any organisation (quarantine review)."""
    address = address.strip()
    if "@" not in address:
        return []
    return list(
        Contact.objects.filter(email__iexact=address, active=True, organisation__active=True)
        .select_related("organisation")
        .order_by("organisation__name")[:10]
    )


def contacts_at_domain(address: str, limit: int = 50) -> list[Contact]:
    """Active contacts whose address shares the domain of `address` (quarantine review)."""
    domain = address.rpartition("@")[2]
    if not domain:
        return []
    return list(
        Contact.objects.filter(email__iendswith=f"@{domain}", active=True, organisation__active=True)
        .select_related("organisation")
        .order_by("organisation__name", "name")[:limit]
    )


def platform_by_code(code: str, *, active_only: bool = False) -> Platform | None:
    qs = Platform.objects.filter(code=code)
    if active_only:
        qs = qs.filter(active=True)
    return qs.first()


def active_platforms() -> QuerySet[Platform]:
    return Platform.objects.filter(active=True).order_by("name")


def platforms_by_ids(ids: list[int]) -> QuerySet[Platform]:
    return Platform.objects.filter(pk__in=ids)


def organisations_by_ids(ids: list[int]) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=ids)


def team_by_ref(ref: str | int) -> Team | None:
    """A team by id or slug."""
    if isinstance(ref, int) or str(ref).strip().isdigit():
        return Team.objects.filter(pk=int(ref)).first()
    return Team.objects.filter(slug=str(ref).strip()).first()


def teams() -> QuerySet[Team]:
    return Team.objects.all()


def active_staff() -> QuerySet[User]:
    return User.objects.filter(is_staff=True, is_active=True)


def staff_by_ref(ref: str | int) -> User | None:
    """An active staff member by id or e-mail address."""
    qs = active_staff()
    if isinstance(ref, int) or str(ref).strip().isdigit():
        return qs.filter(pk=int(ref)).first()
    return qs.filter(email__iexact=str(ref).strip()).first()


def user_by_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def find_contacts(term: str, limit: int = 20) -> QuerySet[Contact]:
    """Staff look-up of a caller: by name or e-mail; by phone number however it is written
    ("+1 303 555 0102", "13035550102", "(303) 555-0102", compared in E.164) or its last
    digits; an organisation's name lists its MPOCs."""
    term = term.strip()
    if not term:
        return Contact.objects.none()
    mpoc = Q(is_primary_mpoc=True) | Q(is_secondary_mpoc=True)
    cond = Q(name__icontains=term) | Q(email__icontains=term) | (Q(organisation__name__icontains=term) & mpoc)
    number = e164(term)
    digits = "".join(ch for ch in term if ch.isdigit())
    if number:
        cond |= Q(phone_e164=number) | Q(mobile_e164=number)
    if len(digits) >= 4:
        # The last digits of a number as a caller reads them out ("0102"), or a longer run.
        cond |= Q(phone_e164__endswith=digits) | Q(mobile_e164__endswith=digits)
    return (
        Contact.objects.filter(active=True, organisation__active=True)
        .filter(cond)
        .select_related("organisation")
        .order_by("organisation__name", "-is_primary_mpoc", "-is_secondary_mpoc", "name")[:limit]
    )


# -- partners ------------------------------------------------------------------------------


def delegates_of(org: Organisation, *, active_only: bool = True) -> QuerySet[Contact]:
    """The partner's people who act for `org`, each with its partner (`delegate_of`)."""
    qs = Contact.objects.filter(organisation=org, delegate_of__isnull=False)
    if active_only:
        qs = qs.filter(active=True)
    return qs.select_related("delegate_of__organisation").order_by("name", "id")


def partner_people(partner: Organisation) -> QuerySet[Contact]:
    """The partner's own contacts with a portal account: those who may be given access."""
    return Contact.objects.filter(
        organisation=partner, delegate_of__isnull=True, active=True, user__isnull=False
    ).order_by("name", "id")


def managed_customers(partner: Organisation) -> QuerySet[Organisation]:
    return Organisation.objects.filter(partner=partner, active=True).order_by("name", "id")


def partner_delegations(partner: Organisation) -> QuerySet[Contact]:
    """Every access of the partner's people to its customers now (revoked ones left out)."""
    return (
        Contact.objects.filter(delegate_of__organisation=partner, organisation__partner=partner, active=True)
        .select_related("organisation", "delegate_of")
        .order_by("organisation__name", "name", "id")
    )
