"""The one engine every inventory write goes through, a chunk of changes at a time.

For each chunk: the items the changes name are read with one query, numbers another
organisation holds with one more, the changes checked in order by `rules.inventory.check`
against the items as the earlier changes of the batch left them, the users (seats) named by
`assigned_to` and the users being deleted checked with one query each; then, while no change
of the batch has been refused, the chunk is written: one insert, one update and one delete
statement for the items, one insert for the audit rows and one for the charges. A refused
change stops the writing but not the checking, so the whole batch is reported; the caller's
transaction is then rolled back and nothing is left half-written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from django.conf import settings
from django.db.models import Q

from casedesk.accounts.models import Organisation, User
from casedesk.inventory.models import ChangeBatch, ChargeEvent, Item, ItemEvent
from casedesk.rules import inventory as rules
from casedesk.rules.inventory import Change, ChangeRefused, Checked, Kind, Op

CHUNK = 1000
State = dict[str, str]


@dataclass
class Context:
    organisation: Organisation
    by: User | None
    effective: date
    now: datetime
    batch: ChangeBatch | None = None
    platforms: frozenset[str] = frozenset()
    region: str = "US"
    write: bool = True
    refused: bool = False  # a change of the batch was refused: check on, write nothing more


@dataclass
class Line:
    """One change's outcome: what it does and costs, or why it is refused."""

    index: int
    kind: str
    op: str
    key: str
    old: State | None = None
    new: State | None = None
    monthly: Decimal = Decimal("0.00")
    amount: Decimal = Decimal("0.00")
    error: str = ""

    @property
    def label(self) -> str:
        try:
            return rules.CHANGE_TYPES[(Kind(self.kind), Op(self.op))].label
        except (ValueError, KeyError):
            return f"{self.op} {self.kind}"

    @property
    def description(self) -> str:
        return f"{self.label} {self.key}"[:300]


@dataclass
class Totals:
    counts: dict[str, int] = field(default_factory=dict)
    monthly: Decimal = Decimal("0.00")
    amount: Decimal = Decimal("0.00")
    errors: list[Line] = field(default_factory=list)

    def add(self, line: Line) -> None:
        if line.error:
            self.errors.append(line)
            return
        self.counts[line.op] = self.counts.get(line.op, 0) + 1
        self.monthly += line.monthly
        self.amount += line.amount


def context(
    organisation: Organisation, by: User | None, effective: date, now: datetime, **kw: Any
) -> Context:
    codes = frozenset(organisation.platforms.values_list("code", flat=True))
    return Context(
        organisation, by, effective, now, platforms=codes, region=settings.CASEDESK_PHONE_REGION, **kw
    )


def state_of(item: Item) -> State:
    state: State = {}
    for name in rules.FIELDS[Kind(item.kind)]:
        value = getattr(item, name)
        if name == "monthly_price":
            state[name] = str(Decimal(value).quantize(Decimal("0.01")))
        else:
            state[name] = "" if value is None else str(value)
    return state


def run(ctx: Context, changes: Iterable[Change], start: int = 0) -> Iterator[Line]:
    """Check and (unless refused) write `changes`, chunk by chunk; one Line per change."""
    it = iter(changes)
    index = start
    while True:
        chunk = list(islice(it, CHUNK))
        if not chunk:
            return
        lines = _chunk(ctx, chunk, index)
        index += len(chunk)
        if any(line.error for line in lines):
            ctx.refused = True
        if ctx.write and not ctx.refused:
            _write(ctx, lines)
        yield from lines


def _chunk(ctx: Context, chunk: list[Change], start: int) -> list[Line]:
    org = ctx.organisation
    named: list[tuple[Kind, str] | None] = []
    early: dict[int, Line] = {}
    for i, change in enumerate(chunk):
        try:
            kind, op = rules.parse_kind(change.kind), rules.parse_op(change.op)
            if op == Op.ADD:
                key = rules.check(change, None, region=ctx.region, platforms=ctx.platforms).key
            else:
                key = rules.normalise_key(kind, change.key, region=ctx.region)
            named.append((kind, key))
        except ChangeRefused as exc:
            named.append(None)
            early[i] = Line(start + i, change.kind, change.op, change.key.strip(), error=str(exc))
    wanted = [n for n in named if n is not None]
    found: dict[tuple[str, str], Item] = {}
    if wanted:
        rows = Item.objects.filter(
            organisation=org, kind__in={k.value for k, _ in wanted}, key__in={key for _, key in wanted}
        )
        found = {(row.kind, row.key): row for row in rows}
    added_numbers = {
        n[1]
        for n, change in zip(named, chunk, strict=True)
        if n is not None and n[0] == Kind.NUMBER and change.op.strip().lower() == Op.ADD
    }
    held_elsewhere = (
        set(
            Item.objects.filter(kind=Kind.NUMBER, key__in=added_numbers)
            .exclude(organisation=org)
            .values_list("key", flat=True)
        )
        if added_numbers
        else set()
    )
    overlay: dict[tuple[str, str], State | None] = {k: state_of(v) for k, v in found.items()}
    lines: list[Line] = []
    for i, change in enumerate(chunk):
        if i in early:
            lines.append(early[i])
            continue
        kind, key = named[i]  # type: ignore[misc]
        line = Line(start + i, kind.value, change.op.strip().lower(), key)
        current = overlay.get((kind.value, key))
        try:
            if kind == Kind.NUMBER and key in held_elsewhere and line.op == Op.ADD:
                raise ChangeRefused(f"The number {key} is held by another organisation.")
            checked = rules.check(change, current, region=ctx.region, platforms=ctx.platforms)
        except ChangeRefused as exc:
            line.error = str(exc)
            lines.append(line)
            continue
        _record(line, checked, ctx.effective)
        overlay[(kind.value, checked.key)] = dict(checked.new) if checked.new is not None else None
        lines.append(line)
    _check_assignments(ctx, lines, overlay)
    return lines


def _record(line: Line, checked: Checked, effective: date) -> None:
    line.key = checked.key
    line.old = dict(checked.old) if checked.old is not None else None
    line.new = dict(checked.new) if checked.new is not None else None
    cost = rules.charge(checked.old, checked.new, effective)
    line.monthly, line.amount = cost.monthly, cost.amount


def _check_assignments(ctx: Context, lines: list[Line], overlay: dict[tuple[str, str], State | None]) -> None:
    """An item assigned to a user needs that user; a user still holding items stays."""
    seat = Kind.SEAT.value
    refs = {ln.new["assigned_to"] for ln in lines if not ln.error and ln.new and ln.new.get("assigned_to")}
    unknown = {r for r in refs if (seat, r) not in overlay}
    if unknown:
        existing = set(
            Item.objects.filter(organisation=ctx.organisation, kind=seat, key__in=unknown).values_list(
                "key", flat=True
            )
        )
        overlay.update({(seat, r): {} for r in existing})
    for line in lines:
        if line.error or not line.new or not line.new.get("assigned_to"):
            continue
        ref = line.new["assigned_to"]
        if (line.old or {}).get("assigned_to") == ref and line.op != Op.ADD:
            continue
        if overlay.get((seat, ref)) is None:
            line.error = f"There is no user {ref} in the inventory to assign the {Kind(line.kind).label} to."
    gone = {ln.key for ln in lines if not ln.error and ln.kind == seat and ln.new is None}
    if not gone:
        return
    holders = Item.objects.filter(organisation=ctx.organisation, assigned_to__in=gone).values_list(
        "kind", "key", "assigned_to"
    )
    still: dict[str, set[str]] = {}
    for kind, key, ref in holders:
        state = overlay.get((kind, key), {"assigned_to": ref})
        if state is not None and state.get("assigned_to") == ref:
            still.setdefault(ref, set()).add(f"{Kind(kind).label} {key}")
    for (kind, key), state in overlay.items():
        if state and state.get("assigned_to") in gone:
            still.setdefault(state["assigned_to"], set()).add(f"{Kind(kind).label} {key}")
    for line in lines:
        if not line.error and line.kind == seat and line.new is None and line.key in still:
            held = ", ".join(sorted(still[line.key])[:5])
            line.error = (
                f"The user {line.key} still has {held}: reassign or delete them first (or in this change)."
            )


def _write(ctx: Context, lines: list[Line]) -> None:
    org, now = ctx.organisation, ctx.now
    touched = {(ln.kind, ln.key) for ln in lines}
    existing = {
        (row.kind, row.key): row
        for row in Item.objects.filter(
            organisation=org, kind__in={k for k, _ in touched}, key__in={key for _, key in touched}
        )
    }
    final: dict[tuple[str, str], State | None] = {}
    for line in lines:
        final[(line.kind, line.key)] = line.new
    creates, updates, deletes = [], [], []
    for ident, state in final.items():
        row = existing.get(ident)
        if state is None:
            if row is not None:
                deletes.append(row.pk)
        elif row is None:
            new = Item(organisation=org, kind=ident[0], key=ident[1], created_at=now, updated_at=now)
            _fill(new, state)
            creates.append(new)
        else:
            _fill(row, state)
            row.updated_at = now
            updates.append(row)
    if deletes:
        Item.objects.filter(pk__in=deletes).delete()
    if creates:
        Item.objects.bulk_create(creates, batch_size=CHUNK)
    if updates:
        columns = sorted({f for k in Kind for f in rules.FIELDS[k]} | {"updated_at"})
        Item.objects.bulk_update(updates, columns, batch_size=CHUNK)
    by = ctx.by
    ItemEvent.objects.bulk_create(
        [
            ItemEvent(
                organisation=org,
                batch=ctx.batch,
                kind=ln.kind,
                key=ln.key,
                op=ln.op,
                by=by,
                at=now,
                old=ln.old,
                new=ln.new,
            )
            for ln in lines
        ],
        batch_size=CHUNK,
    )
    charges = [
        ChargeEvent(
            organisation=org,
            batch=ctx.batch,
            kind=ln.kind,
            key=ln.key,
            op=ln.op,
            description=ln.description,
            effective=ctx.effective,
            monthly_delta=ln.monthly,
            amount=ln.amount,
            created_at=now,
        )
        for ln in lines
        if ln.monthly != 0
    ]
    if charges:
        ChargeEvent.objects.bulk_create(charges, batch_size=CHUNK)


def _fill(item: Item, state: State) -> None:
    for name, value in state.items():
        if name == "monthly_price":
            item.monthly_price = Decimal(value or "0")
        elif name == "quantity":
            item.quantity = int(value or "1")
        else:
            setattr(item, name, value)


def numbers_held_elsewhere(organisation: Organisation, keys: Iterable[str]) -> set[str]:
    """Which of these numbers (E.164) another organisation holds."""
    keys = set(keys)
    if not keys:
        return set()
    return set(
        Item.objects.filter(Q(kind=Kind.NUMBER) & Q(key__in=keys))
        .exclude(organisation=organisation)
        .values_list("key", flat=True)
    )
