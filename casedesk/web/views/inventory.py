"""The service inventory in the portal (the customer's own organisation) and the console
(any organisation, by id): the list, an item with its history, one change at a time with
its charge shown before it is confirmed, the CSV export. Thin: selectors read, actions write.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casedesk.accounts.models import Organisation
from casedesk.core.errors import NotFound, Refused
from casedesk.core.paging import page
from casedesk.inventory import access, actions, csvio, selectors
from casedesk.inventory.models import Item
from casedesk.rules import inventory as rules
from casedesk.rules.inventory import Change, ChangeRefused, Kind, Op
from casedesk.rules.permissions import Ability
from casedesk.web.views.common import AuthedRequest, customer_required, staff_can, staff_required
from casedesk.web.views.listing import page_number

PAGE_SIZE = 50


def base_url(org_id: int | None) -> str:
    """Where the inventory's pages of this side live (portal: the own organisation)."""
    if org_id is None:
        return reverse("portal:inventory")
    return reverse("console:inventory", kwargs={"org_id": org_id})


def _org(request: HttpRequest, org_id: int | None) -> Organisation:
    return selectors.organisation(request.user, org_id)


def _common(request: HttpRequest, org: Organisation, org_id: int | None) -> dict[str, Any]:
    held = access.abilities_of(request.user)
    return {
        "org": org,
        "inv_base": base_url(org_id),
        "side": "portal" if org_id is None else "console",
        "may_manage": Ability.MANAGE_INVENTORY in held,
        "kinds": [(k.value, k.label) for k in Kind],
    }


def inventory(request: AuthedRequest, org_id: int | None = None) -> HttpResponse:
    org = _org(request, org_id)
    kind = request.GET.get("kind", "")[:10]
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.items(request.user, org, kind=kind, q=q).only(*selectors.LIST_COLUMNS)
    number = page_number(request)
    rows, has_next = page(qs, number, PAGE_SIZE)
    context = {
        **_common(request, org, org_id),
        "items": rows,
        "has_next": has_next,
        "page": number,
        "kind": kind,
        "q": q,
        "add_types": [(k.value, f"Add a {k.label}") for k in Kind],
        "scheduled": selectors.scheduled(request.user, org) if number == 1 else [],
        "imports": selectors.imports(request.user, org) if number == 1 else [],
    }
    return render(request, "web/inventory/list.html", context)


def export(request: AuthedRequest, org_id: int | None = None) -> HttpResponse:
    org = _org(request, org_id)
    rows = selectors.export_rows(request.user, org)
    response = StreamingHttpResponse(csvio.stream(rows), content_type="text/csv; charset=utf-8")
    name = f"inventory-{org.account_number}.csv".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # streamed: rows never all in memory


def item_detail(request: AuthedRequest, item_id: int, org_id: int | None = None) -> HttpResponse:
    org = _org(request, org_id)
    found = selectors.item(request.user, org, item_id)
    kind = Kind(found.kind)
    fields = [(rules.FIELD_LABELS[f], _shown(found, f)) for f in rules.FIELDS[kind]]
    context = {
        **_common(request, org, org_id),
        "item": found,
        "kind_label": kind.label,
        "fields": fields,
        "events": _with_changes(kind, selectors.item_history(request.user, org, found)),
        "ops": [(op.value, rules.CHANGE_TYPES[(kind, op)].label) for op in (Op.MOVE, Op.CHANGE, Op.DELETE)],
    }
    return render(request, "web/inventory/item.html", context)


def _with_changes(kind: Kind, events: list[Any]) -> list[Any]:
    """Each audit row with the fields it changed, labelled here (the rows keep raw values)."""
    for event in events:
        old, new = event.old or {}, event.new or {}
        event.changes = [
            (rules.FIELD_LABELS[f], old.get(f, ""), new.get(f, ""))
            for f in rules.FIELDS[kind]
            if old.get(f, "") != new.get(f, "")
        ]
    return events


def organisations(request: AuthedRequest) -> HttpResponse:
    """The console's way in: organisations by name or account number."""
    from casedesk.accounts import selectors as accounts

    q = request.GET.get("q", "").strip()[:100]
    number = page_number(request)
    rows, has_next = page(accounts.organisations(q), number, PAGE_SIZE)
    context = {"organisations": rows, "q": q, "page": number, "has_next": has_next}
    return render(request, "web/inventory/organisations.html", context)


def _shown(item: Item, name: str) -> str:
    value = getattr(item, name)
    if name == "monthly_price":
        return f"${value:,.2f}"
    if name == "feature_type" and value:
        return rules.FeatureType(value).label
    return str(value) if value not in (None, "") else "—"


# -- one change: form, preview, confirm ----------------------------------------------------


def _change_type(request: HttpRequest) -> rules.ChangeType:
    source = request.POST if request.method == "POST" else request.GET
    try:
        kind = rules.parse_kind(source.get("kind", "seat"))
        op = rules.parse_op(source.get("op", "add"))
    except ChangeRefused as exc:
        raise Refused(str(exc)) from None
    return rules.CHANGE_TYPES[(kind, op)]


def _field_rows(
    ctype: rules.ChangeType, values: dict[str, str], platforms: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    rows = []
    required = rules.REQUIRED[ctype.kind] if ctype.op == Op.ADD else frozenset()
    for name in ctype.fields:
        choices: list[tuple[str, str]] | None = None
        if name == "feature_type":
            choices = [(f.value, f.label) for f in rules.FeatureType]
        elif name == "platform":
            choices = platforms
        rows.append(
            {
                "name": name,
                "label": rules.FIELD_LABELS[name].capitalize(),
                "value": values.get(name, ""),
                "required": name in required,
                "choices": choices,
                "type": "email"
                if name in ("email", "assigned_to")
                else "tel"
                if name == "number"
                else "text",
            }
        )
    return rows


def _effective(raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Refused(f"“{raw}” is not a date (YYYY-MM-DD).") from None


def change(request: AuthedRequest, org_id: int | None = None) -> HttpResponse:
    """GET: the form for one change; POST step=preview: its effect and charge; POST
    step=confirm: applied (or scheduled), back to the inventory."""
    org = _org(request, org_id)
    access.require_manage(request.user, org)
    ctype = _change_type(request)
    platforms = list(org.platforms.values_list("code", "name"))
    source = request.POST if request.method == "POST" else request.GET
    key = source.get("key", "")[:320]
    if request.method == "POST":
        values = {f: request.POST.get(f"f_{f}", "")[:400] for f in ctype.fields}
    else:
        values = _current_values(org, ctype, key) if ctype.op != Op.ADD else {}
    context = {
        **_common(request, org, org_id),
        "ctype": ctype,
        "key": key,
        "field_rows": _field_rows(ctype, values, platforms),
        "effective": source.get("effective", "") or actions.today().isoformat(),
        "today": actions.today().isoformat(),
    }
    if request.method != "POST":
        return render(request, "web/inventory/change.html", context)
    step = request.POST.get("step", "preview")
    the_change = Change(ctype.kind.value, ctype.op.value, key, _sent(ctype, values))
    try:
        effective = _effective(request.POST.get("effective", ""))
        if step == "confirm":
            outcome = actions.apply_changes(
                request.user, org, [the_change], effective=effective, source=context["side"]
            )
            messages.success(request, _done_message(outcome))
            return redirect(context["inv_base"])
        preview = actions.preview_changes(request.user, org, [the_change], effective=effective)
    except Refused as exc:
        return render(request, "web/inventory/change.html", {**context, "error": str(exc)}, status=400)
    if preview.errors:
        error = " ".join(line.error for line in preview.errors)
        return render(request, "web/inventory/change.html", {**context, "error": error}, status=400)
    line = preview.lines[0] if preview.lines else None
    context.update({"preview": preview, "line": line, "shown": _after(line)})
    return render(request, "web/inventory/preview.html", context)


def _after(line: Any) -> list[tuple[str, str]]:
    """The item as the change leaves it, as stored (a number in E.164, a price in cents)."""
    if line is None or line.new is None:
        return []
    changed = {f for f in line.new if (line.old or {}).get(f) != line.new.get(f)}
    return [
        (rules.FIELD_LABELS[f], f"${line.new[f]}" if f == "monthly_price" else line.new[f])
        for f in rules.FIELDS[Kind(line.kind)]
        if line.new.get(f) and (line.old is None or f in changed)
    ]


def _sent(ctype: rules.ChangeType, values: dict[str, str]) -> dict[str, str]:
    """What the form sends: an add's filled fields; for a move or change, what differs."""
    if ctype.op == Op.DELETE:
        return {}
    if ctype.op == Op.ADD:
        return {k: v for k, v in values.items() if v.strip()}
    return dict(values)


def _current_values(org: Organisation, ctype: rules.ChangeType, key: str) -> dict[str, str]:
    from casedesk.inventory.engine import state_of

    try:
        normal = rules.normalise_key(ctype.kind, key, region=settings.CASEDESK_PHONE_REGION)
    except ChangeRefused:
        return {}
    found = Item.objects.filter(organisation=org, kind=ctype.kind.value, key=normal).first()
    return state_of(found) if found is not None else {}


def _done_message(outcome: actions.Outcome) -> str:
    cost = ""
    if outcome.monthly:
        cost = (
            f" Billing changes by ${outcome.monthly:,.2f} a month; "
            f"${outcome.amount:,.2f} for the rest of {outcome.effective:%B}."
        )
    if outcome.scheduled:
        return f"Scheduled for {outcome.effective:%d %B %Y}.{cost}"
    return f"Done.{cost}"


@require_POST
def cancel_scheduled(request: AuthedRequest, batch_id: int, org_id: int | None = None) -> HttpResponse:
    org = _org(request, org_id)
    found = selectors.batch(request.user, batch_id)
    if found.organisation_id != org.pk:
        raise NotFound("No such change.")
    actions.cancel_scheduled(request.user, found)
    messages.success(request, f"The changes scheduled for {found.effective:%d %B %Y} are cancelled.")
    return redirect(base_url(org_id))


# The portal's routes (the customer's own organisation) and the console's (by id).
portal_inventory = customer_required(inventory)
portal_export = customer_required(export)
portal_item = customer_required(item_detail)
portal_change = customer_required(change)
portal_cancel_scheduled = customer_required(cancel_scheduled)
console_organisations = staff_can(Ability.VIEW_INVENTORY)(organisations)
console_inventory = staff_required(inventory)
console_export = staff_required(export)
console_item = staff_required(item_detail)
console_change = staff_required(change)
console_cancel_scheduled = staff_required(cancel_scheduled)
