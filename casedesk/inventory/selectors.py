"""Every read of the inventory, scoped by who asks (`access`): a customer reads their own
organisation's, staff any organisation's; another organisation's answers NotFound."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet

from casedesk.accounts.models import Organisation
from casedesk.core.errors import NotFound
from casedesk.inventory import access
from casedesk.inventory.models import ChangeBatch, ChargeEvent, ImportJob, ImportRow, Item, ItemEvent
from casedesk.rules.inventory import Kind

# What a row of the inventory page shows.
LIST_COLUMNS = (
    "id",
    "kind",
    "key",
    "name",
    "email",
    "number",
    "model",
    "product",
    "feature_type",
    "assigned_to",
    "site",
    "cost_centre",
    "quantity",
    "monthly_price",
    "mac",
    "serial",
    "extension",
    "service_address",
    "platform",
)


def organisation(who: Any, organisation_id: int | None = None) -> Organisation:
    org = access.organisation_of(who, organisation_id)
    access.require_view(who, org)
    return org


def items(who: Any, org: Organisation, *, kind: str = "", q: str = "") -> QuerySet[Item]:
    """The organisation's items in key order (the unique index's order), filtered."""
    access.require_view(who, org)
    qs = Item.objects.filter(organisation=org)
    if kind in {k.value for k in Kind}:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(
            Q(key__icontains=q) | Q(name__icontains=q) | Q(site__icontains=q) | Q(assigned_to__icontains=q)
        )
    return qs.order_by("organisation_id", "kind", "key")


def export_rows(who: Any, org: Organisation) -> Iterator[Item]:
    access.require_view(who, org)
    return (
        Item.objects.filter(organisation=org)
        .order_by("organisation_id", "kind", "key")
        .iterator(chunk_size=2000)
    )


def item(who: Any, org: Organisation, item_id: int) -> Item:
    access.require_view(who, org)
    found = Item.objects.filter(organisation=org, pk=item_id).first()
    if found is None:
        raise NotFound("No such item.")
    return found


def history(who: Any, org: Organisation, *, limit: int = 20) -> list[ItemEvent]:
    access.require_view(who, org)
    return list(
        ItemEvent.objects.filter(organisation=org).select_related("by").order_by("-at", "-id")[:limit]
    )


def item_history(who: Any, org: Organisation, found: Item, *, limit: int = 50) -> list[ItemEvent]:
    access.require_view(who, org)
    return list(
        ItemEvent.objects.filter(organisation=org, kind=found.kind, key=found.key)
        .select_related("by")
        .order_by("-at", "-id")[:limit]
    )


def scheduled(who: Any, org: Organisation) -> list[ChangeBatch]:
    access.require_view(who, org)
    return list(
        ChangeBatch.objects.filter(organisation=org, status=ChangeBatch.Status.SCHEDULED).order_by("due_at")[
            :50
        ]
    )


def batch(who: Any, batch_id: int) -> ChangeBatch:
    found = ChangeBatch.objects.select_related("organisation").filter(pk=batch_id).first()
    if found is None:
        raise NotFound("No such change.")
    access.require_view(who, found.organisation)
    return found


def charges(who: Any, org: Organisation, *, limit: int = 20) -> list[ChargeEvent]:
    access.require_view(who, org)
    return list(ChargeEvent.objects.filter(organisation=org).order_by("-id")[:limit])


def imports(who: Any, org: Organisation, *, limit: int = 5) -> list[ImportJob]:
    access.require_view(who, org)
    return list(ImportJob.objects.filter(organisation=org).order_by("-id")[:limit])


def import_rows(job: ImportJob, *, errors_only: bool, page: int, size: int) -> tuple[list[ImportRow], bool]:
    """A page of an import's preview rows (errors first when asked), without counting."""
    qs = ImportRow.objects.filter(job=job)
    qs = qs.exclude(error="") if errors_only else qs.exclude(op="", error="")
    start = (max(1, page) - 1) * size
    rows = list(qs.order_by("line", "id")[start : start + size + 1])
    return rows[:size], len(rows) > size
