"""CPNI routes: support passcodes (the primary MPOC, or staff whose role may see CPNI),
caller verification and the verified caller's account details (each showing logged), and
the disclosure log with its CSV export. The same actions and selectors as the pages, so the
passcode's rate limit, the verification's hour and the log hold here too."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from casedesk.accounts import permissions
from casedesk.accounts import selectors as accounts
from casedesk.accounts.models import Organisation
from casedesk.api import lookups
from casedesk.api import schemas as s
from casedesk.api.auth import user_of
from casedesk.cases import selectors as cases
from casedesk.core.errors import NotFound
from casedesk.core.paging import page
from casedesk.privacy import actions, exports, selectors
from casedesk.privacy.models import Disclosure, Passcode, Verification
from casedesk.rules.permissions import Ability

router = Router(tags=["cpni"])

# A wrong passcode counts against the contact; after five in 15 minutes, 429.
VERIFY_ERRORS: dict[int, Any] = {**s.ERRORS, 429: s.ErrorOut}


class PasscodeIn(s.Input):
    passcode: str = Field(
        ..., max_length=200, description="6 to 32 characters, not a run or a value of the account."
    )


class PasscodeOut(Schema):
    contact: s.AuthorisedContactOut
    organisation: s.OrganisationRef
    set_at: datetime


class PasscodesOut(Schema):
    organisation: s.OrganisationRef
    contacts: list[s.AuthorisedContactOut]
    may_set: bool = Field(..., description="Whether the caller may set or reset these passcodes.")


class VerifyIn(s.Input):
    contact_id: int = Field(..., description="The authorised contact (main point of contact) calling.")
    method: Literal["passcode", "call_back"]
    passcode: str = Field("", max_length=200, description="With `method: passcode`: what the caller said.")


class DisclosureOut(Schema):
    id: int
    at: datetime
    by: s.PersonRef = Field(..., description="Who saw it, named as they were then.")
    action: str = Field(..., description="view or export")
    organisation: s.OrganisationRef
    account_number: str
    case: str | None
    fields: list[str]
    reason: str


class DisclosurePage(Schema):
    items: list[DisclosureOut]
    page: int
    has_next: bool


class DisclosureFilters(Schema):
    q: str = Field("", max_length=100, description="Words of who, why or the organisation's name.")
    organisation: int | None = Field(None, description="Organisation id.")
    by: int | None = Field(None, description="The staff member's user id.")
    since: date | None = Field(None, description="From this day (the desk's time zone).")
    until: date | None = Field(None, description="To this day, included.")


class DisclosureQuery(DisclosureFilters):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


# -- helpers ---------------------------------------------------------------------------------


def _contacts(org: Organisation) -> list[s.AuthorisedContactOut]:
    contacts = list(selectors.authorised_contacts(org).order_by("name", "id"))
    with_code = selectors.has_passcode([c.pk for c in contacts])
    return [
        s.AuthorisedContactOut(
            id=c.pk, name=c.name, is_primary_mpoc=c.is_primary_mpoc, has_passcode=c.pk in with_code
        )
        for c in contacts
    ]


def verification(row: Verification) -> s.VerificationOut:
    org = row.organisation
    return s.VerificationOut(
        id=row.pk,
        organisation=s.OrganisationRef(id=org.pk, name=org.name),
        contact=s.ContactRef(id=row.contact.pk, name=row.contact.name),
        case=row.case.number if row.case is not None else None,
        method=row.method,  # type: ignore[arg-type]
        at=row.at,
        expires_at=row.expires_at,
    )


def _data(data: dict[str, Any]) -> s.CpniData:
    return s.CpniData(
        numbers=[
            s.CpniNumberOut(number=i.number, name=i.name, service_address=i.service_address)
            for i in data["numbers"]
        ],
        service_addresses=list(data["service_addresses"]),
        inventory=[
            s.CpniItemOut(
                kind=i.kind,
                key=i.key,
                name=i.name,
                model=i.model,
                product=i.product,
                monthly_price=str(i.monthly_price),
                service_address=i.service_address,
            )
            for i in data["inventory"]
        ],
        call_detail=list(data["call_detail"]),
        invoices=list(data["invoices"]),
    )


def panel(user: Any, org: Organisation, *, case: Any = None) -> s.CpniPanel | None:
    """The CPNI block of a case or organisation for `user`: None without the permission;
    the data (logged as disclosed) only while their verification of a caller holds."""
    if not selectors.may_see_cpni(user):
        return None
    found, data = actions.reveal(user, org, case=case)
    return s.CpniPanel(
        verified=found is not None,
        verification=verification(found) if found is not None else None,
        authorised_contacts=[] if found is not None else _contacts(org),
        data=_data(data) if data is not None else None,
    )


def _staff_organisation(user: Any, org_id: int, what: str) -> Organisation:
    lookups.require_staff(user, what)
    return accounts.get_organisation(org_id)


def _require_log(user: Any) -> None:
    lookups.require_staff(user, "read the CPNI disclosure log")
    permissions.require(user, Ability.PRIVACY)


def _moment(day: date | None, *, end: bool = False) -> datetime | None:
    if day is None:
        return None
    moment = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    return moment + timedelta(days=1) if end else moment


def _disclosures(user: Any, f: DisclosureFilters) -> Any:
    _require_log(user)
    return selectors.disclosures(
        user,
        q=f.q.strip(),
        organisation_id=f.organisation,
        by_id=f.by,
        since=_moment(f.since),
        until=_moment(f.until, end=True),
    )


def _disclosure(row: Disclosure) -> DisclosureOut:
    org = row.organisation
    return DisclosureOut(
        id=row.pk,
        at=row.at,
        by=s.PersonRef(id=row.by_id, name=row.by_name),
        action=row.action,
        organisation=s.OrganisationRef(id=org.pk, name=org.name),
        account_number=org.account_number,
        case=row.case.number if row.case else None,
        fields=list(row.fields),
        reason=row.reason,
    )


# -- passcodes ---------------------------------------------------------------------------


@router.get(
    "/organisations/{org_id}/passcodes",
    response={200: PasscodesOut, **s.ERRORS},
    summary="Authorised contacts and their passcodes",
)
def list_passcodes(request: HttpRequest, org_id: int) -> PasscodesOut:
    """Which authorised contacts have a support passcode (never the passcode): the
    organisation's own contacts, or staff whose role may see CPNI."""
    user = user_of(request)
    if not selectors.reaches_organisation(user, org_id):
        raise NotFound("No such organisation.")
    if permissions.is_staff(user):
        permissions.require(user, Ability.VIEW_CPNI)
    org = accounts.get_organisation(org_id)
    me = permissions.customer_contact(user)
    return PasscodesOut(
        organisation=s.OrganisationRef(id=org.pk, name=org.name),
        contacts=_contacts(org),
        may_set=permissions.is_staff(user) or bool(me is not None and me.is_primary_mpoc),
    )


@router.post(
    "/contacts/{contact_id}/passcode",
    response={200: PasscodeOut, **s.ERRORS},
    summary="Set or reset a support passcode",
)
def set_passcode(request: HttpRequest, contact_id: int, payload: PasscodeIn) -> PasscodeOut:
    """The organisation's primary MPOC, or staff whose role may see CPNI, sets an authorised
    contact's passcode. It is stored hashed and never returned; the address of record is
    told that a passcode changed (without it)."""
    user = user_of(request)
    contact = actions.set_passcode(user, contact_id, payload.passcode)
    org = contact.organisation
    row = Passcode.objects.get(contact=contact)
    return PasscodeOut(
        contact=s.AuthorisedContactOut(
            id=contact.pk, name=contact.name, is_primary_mpoc=contact.is_primary_mpoc, has_passcode=True
        ),
        organisation=s.OrganisationRef(id=org.pk, name=org.name),
        set_at=row.set_at,
    )


# -- caller verification and CPNI ------------------------------------------------------------


def _verify(user: Any, case: Any, org: Organisation, payload: VerifyIn) -> s.VerificationOut:
    row = actions.verify_caller(
        user,
        case,
        organisation=org,
        contact_id=payload.contact_id,
        method=payload.method,
        passcode=payload.passcode,
    )
    return verification(Verification.objects.select_related("organisation", "contact", "case").get(pk=row.pk))


@router.post(
    "/cases/{number}/verify-caller",
    response={201: s.VerificationOut, **VERIFY_ERRORS},
    summary="Verify the caller of a case (staff)",
)
def verify_case_caller(request: HttpRequest, number: str, payload: VerifyIn) -> tuple[int, s.VerificationOut]:
    """By the support passcode (checked here against its hash; five wrong in 15 minutes
    stop the passcode route for that contact: 429) or a call-back to the number on file.
    For an hour, `GET /cases/{number}` shows this staff member the account's CPNI."""
    user = user_of(request)
    case = cases.get_case(user, number)
    lookups.require_staff(user, "verify a caller")
    return 201, _verify(user, case, case.organisation, payload)


@router.post(
    "/organisations/{org_id}/verify-caller",
    response={201: s.VerificationOut, **VERIFY_ERRORS},
    summary="Verify a caller of an organisation (staff)",
)
def verify_caller(request: HttpRequest, org_id: int, payload: VerifyIn) -> tuple[int, s.VerificationOut]:
    """As for a case, on a call about no case."""
    user = user_of(request)
    org = _staff_organisation(user, org_id, "verify a caller")
    return 201, _verify(user, None, org, payload)


@router.get(
    "/organisations/{org_id}/cpni",
    response={200: s.CpniPanel, **s.ERRORS},
    summary="The verified caller's CPNI (staff)",
)
def organisation_cpni(request: HttpRequest, org_id: int) -> s.CpniPanel:
    """The account's numbers, call detail, invoices, service addresses and inventory while
    this staff member's verification of a caller holds (`data`, each showing logged);
    until then `data` is null and `authorised_contacts` says whom to verify."""
    user = user_of(request)
    org = _staff_organisation(user, org_id, "see CPNI")
    permissions.require(user, Ability.VIEW_CPNI)
    shown = panel(user, org)
    assert shown is not None  # the permission is checked above
    return shown


# -- the disclosure log ----------------------------------------------------------------------


@router.get(
    "/cpni/disclosures",
    response={200: DisclosurePage, **s.ERRORS},
    summary="The CPNI disclosure log (staff with the privacy permission)",
)
def list_disclosures(request: HttpRequest, query: Query[DisclosureQuery]) -> DisclosurePage:
    """Newest first: who saw or exported which CPNI fields of which organisation, and why."""
    rows, has_next = page(_disclosures(user_of(request), query), query.page, query.page_size)
    return DisclosurePage(items=[_disclosure(r) for r in rows], page=query.page, has_next=has_next)


@router.get(
    "/cpni/disclosures/export",
    response=s.ERRORS,
    summary="Export the disclosure log as CSV",
    openapi_extra={
        "responses": {
            200: {
                "description": "The log, filtered, as CSV (a download).",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_disclosures(request: HttpRequest, query: Query[DisclosureFilters]) -> HttpResponse:
    """The same filters as the list; every matching row."""
    rows = _disclosures(user_of(request), query)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cpni-disclosures.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    exports.disclosures_csv(rows, response)
    return response


__all__ = ["panel", "router"]
