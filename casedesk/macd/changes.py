"""The changes a MACD request asks for: the inventory's change types (`rules.inventory`),
checked for their form when the request is submitted (the inventory checks them against the
items when staff apply them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from casedesk.core.errors import Refused
from casedesk.rules import inventory
from casedesk.rules.text import has_control

MAX_CHANGES = 50
DETAILS_MAX = 1000


@dataclass(frozen=True)
class TypeChoice:
    key: str  # "seat:add"
    label: str  # "Add user"
    typical_minutes: int


def type_key(kind: str, op: str) -> str:
    return f"{kind}:{op}"


def catalogue() -> list[TypeChoice]:
    """Every change type a request may ask for, in the inventory's order."""
    return [TypeChoice(ct.key, ct.label, ct.typical_minutes) for ct in inventory.CHANGE_TYPES.values()]


LABELS = {choice.key: choice.label for choice in catalogue()}


def label(key: str) -> str:
    return LABELS.get(key, key)


def clean(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The requested changes as stored ({"kind", "op", "key", "values", "details"}), or a
    refusal naming the first wrong one and why. Each is a change type of the inventory;
    move, change and delete name the item; details say what the customer wants in words."""
    if not items:
        raise Refused("A MACD request lists at least one change.")
    if len(items) > MAX_CHANGES:
        raise Refused(f"A MACD request lists at most {MAX_CHANGES} changes; this one has {len(items)}.")
    out = []
    for number, item in enumerate(items, start=1):
        change = inventory.Change.from_dict(item)
        try:
            kind, op = inventory.Kind(change.kind), inventory.Op(change.op)
        except ValueError:
            raise Refused(f"Change {number}: unknown change type {change.kind!r} {change.op!r}.") from None
        ct = inventory.CHANGE_TYPES[(kind, op)]
        details = str(item.get("details", "") or "").strip()
        if len(details) > DETAILS_MAX:
            raise Refused(f"Change {number}: the details are longer than {DETAILS_MAX} characters.")
        key = change.key.strip()
        if has_control(key) or len(key) > 200:
            raise Refused(f"Change {number}: the item must be named on one line of at most 200 characters.")
        if op != inventory.Op.ADD and not key:
            raise Refused(f"Change {number} ({ct.label}): name the {kind.label} to {op.value}.")
        unknown = set(change.values) - set(ct.fields)
        if unknown:
            raise Refused(f"Change {number} ({ct.label}): it cannot set {', '.join(sorted(unknown))}.")
        if op == inventory.Op.ADD and not details and not change.values:
            raise Refused(f"Change {number} ({ct.label}): say what to add.")
        out.append({**change.as_dict(), "key": key, "details": details})
    return out


def types_of(changes: Sequence[Mapping[str, Any]]) -> list[str]:
    return [type_key(str(c.get("kind")), str(c.get("op"))) for c in changes]


def typical_minutes(changes: Sequence[Mapping[str, Any]]) -> int:
    return inventory.typical_minutes([inventory.Change.from_dict(c) for c in changes])
