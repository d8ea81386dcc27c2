"""The service inventory: read it, preview a list of changes with their charges, apply or
schedule them. Customers name their own organisation (another's answers 404); staff any."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from casedesk.api import schemas as s
from casedesk.api.auth import user_of
from casedesk.core.paging import page
from casedesk.inventory import actions, engine, selectors
from casedesk.inventory.models import ChargeEvent, Item
from casedesk.rules import inventory as rules
from casedesk.rules.inventory import Change
from casedesk.solutions import selectors as solutions
from casedesk.solutions.models import Article

router = Router(tags=["inventory"])

KindName = Literal["seat", "number", "device", "licence", "feature"]
OpName = Literal["add", "move", "change", "delete"]
Text = str | None


class ChangeValues(s.Input):
    """Every field a change may write (which ones each change type takes: GET
    /inventory/change-types). Raw text, as typed; numbers in any spelling."""

    email: Text = Field(None, max_length=254)
    name: Text = Field(None, max_length=200)
    extension: Text = Field(None, max_length=8)
    number: Text = Field(None, max_length=40, description="Read in the desk's region without a country code.")
    service_address: Text = Field(None, max_length=300)
    mac: Text = Field(None, max_length=40)
    serial: Text = Field(None, max_length=64)
    model: Text = Field(None, max_length=100)
    platform: Text = Field(None, max_length=40)
    product: Text = Field(None, max_length=100)
    feature_type: Text = Field(None, max_length=20)
    quantity: str | int | None = None
    monthly_price: Text = Field(None, max_length=20, description='A decimal string, e.g. "30.00".')
    assigned_to: Text = Field(None, max_length=254)
    site: Text = Field(None, max_length=100)
    cost_centre: Text = Field(None, max_length=100)


class ChangeIn(s.Input):
    kind: KindName
    op: OpName
    key: str = Field("", max_length=320, description="The item a move, change or delete names.")
    values: ChangeValues | None = None

    def as_change(self) -> Change:
        dumped = self.values.model_dump(exclude_none=True) if self.values is not None else {}
        given = {k: str(v) for k, v in dumped.items()}
        return Change(self.kind, self.op, self.key, given)


class ChangesIn(s.Input):
    changes: list[ChangeIn] = Field(..., min_length=1, max_length=1000)
    effective: date | None = Field(None, description="Today when left out; a later date schedules them.")


class LineOut(Schema):
    index: int
    kind: str
    op: str
    key: str
    monthly: Decimal
    amount: Decimal
    error: str


class OutcomeOut(Schema):
    effective: date
    scheduled: bool
    batch: int | None
    applied: bool
    monthly: Decimal = Field(..., description="How the monthly bill moves from the effective date.")
    amount: Decimal = Field(..., description="Pro-rated for the rest of the effective date's month.")
    lines: list[LineOut]


class ItemOut(Schema):
    id: int
    kind: str
    key: str
    values: dict[str, str]


class ItemPage(Schema):
    items: list[ItemOut]
    page: int
    has_next: bool


class ItemQuery(Schema):
    kind: KindName | None = None
    q: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class GuideOut(Schema):
    title: str
    url: str


class ChangeTypeOut(Schema):
    kind: str
    op: str
    label: str
    fields: list[str]
    typical_minutes: int
    guide: GuideOut | None = Field(
        None, description="The how-to article for this change, when the caller may read one."
    )


class ChargeOut(Schema):
    kind: str
    key: str
    op: str
    description: str
    effective: date
    monthly_delta: Decimal
    amount: Decimal
    invoiced: bool


def _outcome(outcome: actions.Outcome, applied: bool) -> OutcomeOut:
    return OutcomeOut(
        effective=outcome.effective,
        scheduled=outcome.scheduled,
        batch=outcome.batch.pk if outcome.batch is not None else None,
        applied=applied,
        monthly=outcome.monthly,
        amount=outcome.amount,
        lines=[LineOut(**{f: getattr(ln, f) for f in LineOut.model_fields}) for ln in outcome.lines],
    )


def _item(row: Item) -> ItemOut:
    return ItemOut(id=row.pk, kind=row.kind, key=row.key, values=engine.state_of(row))


@router.get(
    "/inventory/change-types",
    response={200: list[ChangeTypeOut], **s.ERRORS},
    summary="List the change types",
)
def change_types(request: HttpRequest) -> list[ChangeTypeOut]:
    """Each (kind, operation) with the fields it writes, support's typical time for it and
    its how-to article."""
    found = solutions.guides(user_of(request))
    return [
        ChangeTypeOut(
            kind=c.kind.value,
            op=c.op.value,
            label=c.label,
            fields=list(c.fields),
            typical_minutes=c.typical_minutes,
            guide=_guide(found.get(c.key)),
        )
        for c in rules.CHANGE_TYPES.values()
    ]


def _guide(article: Article | None) -> GuideOut | None:
    if article is None:
        return None
    return GuideOut(title=article.title, url=reverse("solutions:article", kwargs={"slug": article.slug}))


@router.get(
    "/organisations/{org_id}/inventory",
    response={200: ItemPage, **s.ERRORS},
    summary="List an organisation's inventory",
)
def list_items(request: HttpRequest, org_id: int, query: Query[ItemQuery]) -> ItemPage:
    user = user_of(request)
    org = selectors.organisation(user, org_id)
    qs = selectors.items(user, org, kind=query.kind or "", q=query.q.strip())
    rows, has_next = page(qs, query.page, query.page_size)
    return ItemPage(items=[_item(r) for r in rows], page=query.page, has_next=has_next)


@router.post(
    "/organisations/{org_id}/inventory/preview",
    response={200: OutcomeOut, **s.ERRORS},
    summary="Preview changes and their charges",
)
def preview(request: HttpRequest, org_id: int, payload: ChangesIn) -> OutcomeOut:
    """Nothing is written; each line says what it would cost, or why it would be refused."""
    user = user_of(request)
    org = selectors.organisation(user, org_id)
    changes = [c.as_change() for c in payload.changes]
    return _outcome(actions.preview_changes(user, org, changes, effective=payload.effective), applied=False)


@router.post(
    "/organisations/{org_id}/inventory/changes",
    response={200: OutcomeOut, **s.ERRORS},
    summary="Apply or schedule changes",
)
def apply(request: HttpRequest, org_id: int, payload: ChangesIn) -> OutcomeOut:
    """All or nothing: a refused change (400) names every problem and nothing is written."""
    user = user_of(request)
    org = selectors.organisation(user, org_id)
    changes = [c.as_change() for c in payload.changes]
    outcome = actions.apply_changes(user, org, changes, effective=payload.effective, source="api")
    return _outcome(outcome, applied=not outcome.scheduled)


@router.get(
    "/organisations/{org_id}/inventory/charges",
    response={200: list[ChargeOut], **s.ERRORS},
    summary="List the latest billing effects of changes",
)
def charges(request: HttpRequest, org_id: int) -> list[ChargeOut]:
    user = user_of(request)
    org = selectors.organisation(user, org_id)
    return [_charge(c) for c in selectors.charges(user, org, limit=100)]


def _charge(c: ChargeEvent) -> ChargeOut:
    return ChargeOut(
        kind=c.kind,
        key=c.key,
        op=c.op,
        description=c.description,
        effective=c.effective,
        monthly_delta=c.monthly_delta,
        amount=c.amount,
        invoiced=c.invoiced_at is not None,
    )
