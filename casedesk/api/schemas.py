"""What the API reads and writes. Inputs name every writable field and refuse any other."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict, WithJsonSchema

from casedesk.cases.models import Priority
from casedesk.rules import triage
from casedesk.rules.lifecycle import ReopenOutcome, Status

# What staff may write, as the schema shows it: the triage rules' priorities. P1G, or one
# the caller's role may not set, is the action's to refuse (400 or 403, saying why).
SettablePriority = Annotated[
    Priority,
    WithJsonSchema({"type": "string", "enum": [p.value for p in triage.SETTABLE]}),
]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


# --- errors --------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
}


# --- references ----------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    name: str


class ContactRef(Schema):
    id: int
    name: str


class PlatformRef(Schema):
    code: str
    name: str


class TeamRef(Schema):
    slug: str
    name: str


class PersonRef(Schema):
    id: int | None
    name: str


# --- cases ---------------------------------------------------------------------------


class CaseInternal(Schema):
    """Fields support staff work with; absent (null) for customers."""

    needs_triage: bool
    vendor: str
    vendor_ticket: str
    next_due_at: datetime | None


class CaseSummary(Schema):
    number: str
    title: str
    status: str
    status_label: str
    is_open: bool
    priority: str
    priority_label: str
    channel: str
    organisation: OrganisationRef
    contact: ContactRef
    platform: PlatformRef | None
    team: TeamRef | None
    assignee: PersonRef | None
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    internal: CaseInternal | None


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    public: bool
    created_at: datetime


class EventOut(Schema):
    id: int
    at: datetime
    kind: str
    kind_label: str
    public: bool
    actor: PersonRef | None
    actor_kind: str
    author: str  # who wrote it: staff, a customer (also by e-mail, without a login), or System
    body: str
    changes: dict[str, Any]
    attachments: list[AttachmentOut]


# --- CPNI ------------------------------------------------------------------------------


class VerificationOut(Schema):
    """A caller verified by the staff member asking: CPNI shows to them until `expires_at`."""

    id: int
    organisation: OrganisationRef
    contact: ContactRef
    case: str | None = Field(..., description="The case it was made on, if any.")
    method: Literal["passcode", "call_back"]
    at: datetime
    expires_at: datetime


class AuthorisedContactOut(Schema):
    """Who may be told CPNI on a call: an active main point of contact."""

    id: int
    name: str
    is_primary_mpoc: bool
    has_passcode: bool


class CpniNumberOut(Schema):
    number: str
    name: str
    service_address: str


class CpniItemOut(Schema):
    kind: str
    key: str
    name: str
    model: str
    product: str
    monthly_price: str
    service_address: str


class CpniData(Schema):
    numbers: list[CpniNumberOut]
    service_addresses: list[str]
    inventory: list[CpniItemOut]
    call_detail: list[dict[str, Any]]
    invoices: list[dict[str, Any]]


class CpniPanel(Schema):
    """For staff whose role may see CPNI: `data` only while their verification of a caller
    holds (each showing is logged); until then the contacts to verify."""

    verified: bool
    verification: VerificationOut | None
    authorised_contacts: list[AuthorisedContactOut]
    data: CpniData | None


class CaseDetail(CaseSummary):
    description: str
    resolution: str
    on_hold_until: datetime | None
    etr: datetime | None
    shipping_carrier: str
    tracking_number: str
    duplicate_of: str | None
    follow_up_of: str | None
    allowed_transitions: list[str]
    timeline: list[EventOut]
    attachments: list[AttachmentOut]
    cpni: CpniPanel | None = Field(
        None,
        description=(
            "Staff whose role may see CPNI, on `GET /cases/{number}`: the account's numbers, call "
            "detail, invoices, service addresses and inventory once they verified the caller "
            "(`POST /cases/{number}/verify-caller`); null otherwise."
        ),
    )


class CasePage(Schema):
    items: list[CaseSummary]
    page: int
    has_next: bool


class CaseListQuery(Schema):
    state: Literal["open", "closed", "all"] = "open"
    status: Status | None = None
    priority: Priority | None = None
    platform: str = Field("", description="Platform code.")
    q: str = Field(
        "",
        max_length=200,
        description=(
            "Full-text search over number, title, description, public comments, organisation and "
            "contact (name, e-mail, phone); results best first. With `state=all`, closed cases too."
        ),
    )
    organisation: int | None = Field(None, description="Organisation id (support staff only).")
    assignee: str = Field("", description="Assignee id or email address (support staff; ignored otherwise).")
    team: str = Field("", description="Team slug or id (support staff; ignored otherwise).")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)


class CaseCreateIn(Input):
    title: str
    description: str = ""
    platform: str | None = Field(None, description="Platform code.")
    contact_id: int | None = Field(None, description="Support staff: the contact the case is for.")
    priority: SettablePriority | None = Field(None, description="Support staff only, as their role allows.")
    team: str | None = Field(None, description="Support staff only: team slug.")
    assignee: int | str | None = Field(None, description="Support staff only: id or email address.")


class CommentIn(Input):
    body: str
    public: bool = Field(True, description="False makes an internal note (support staff only).")


class TransitionIn(Input):
    to: Status
    note: str = ""
    hold_until: AwareDatetime | None = Field(None, description="On Hold: ISO 8601 with an offset.")
    tracking_number: str = ""
    shipping_carrier: str = ""
    main_case: str | None = Field(None, description="Duplicate: the main case's number.")
    resolution: str = ""


class ReopenIn(Input):
    note: str = ""


class ReopenOut(Schema):
    outcome: ReopenOutcome
    case: CaseDetail


class DispositionIn(Input):
    """Fields left out keep their value; null clears team or assignee."""

    priority: SettablePriority | None = Field(None, description="As the caller's role allows.")
    team: str | None = Field(None, description="Team slug.")
    assignee: int | str | None = Field(None, description="Staff email address or id.")


class CaseCorrectionIn(Input):
    """Staff correct the title or the platform; fields left out keep their value."""

    title: str | None = Field(None, max_length=200)
    platform: str | None = Field(None, description="Platform code of the organisation's; null: none.")


# --- organisations and contacts ------------------------------------------------------


class ContactOut(Schema):
    id: int
    organisation: OrganisationRef
    name: str
    title: str
    email: str
    phone: str
    mobile: str
    roles: list[str]
    is_mpoc: bool
    has_portal_account: bool
    active: bool


class OrganisationOut(Schema):
    id: int
    name: str
    account_number: str
    active: bool
    created_at: datetime


class EscalationContactOut(Schema):
    position: int
    name: str
    title: str
    phone: str
    email: str


class OrganisationDetail(OrganisationOut):
    platforms: list[PlatformRef]
    mpocs: list[ContactOut]
    escalation_contacts: list[EscalationContactOut]


class PageQuery(Schema):
    q: str = Field("", description="Words of the name (or account number, email address).")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    page: int
    has_next: bool


class ContactPage(Schema):
    items: list[ContactOut]
    page: int
    has_next: bool
