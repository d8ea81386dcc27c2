"""The service inventory's change types (Client Support Plan §7: moves, adds, changes and
deletes of users, numbers, devices, licences and features), as data and pure checks.

Pure Python: no Django. Self-administration (portal, API), the CSV import and support's
MACD requests all describe a change the same way, a `Change` of a kind and an operation
naming an item by its key with raw field values, and all of them are checked here, so a
change refused on one channel is refused on every one.

- `KINDS` / `FIELDS`: what each kind of item holds; `IDENTITY`: the fields its key is made
  of (an identity field never changes: a new number is a delete and an add).
- `CHANGE_TYPES`: every (kind, operation) with its label, the fields it may write and the
  typical staff time a support technician spends on it (what a MACD request's fee is
  estimated from).
- `check(change, current, ...)`: the item's state after the change, or why not.
- `charge(old, new, effective)`: the change's monthly delta and its pro-rated amount for the
  effective date's month (`rules.proration`).

Item states are plain dicts of raw strings (the stored values, never labels); prices are
decimal strings with two places.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

import phonenumbers

from casedesk.rules import proration
from casedesk.rules.text import has_control


class Kind(enum.StrEnum):
    SEAT = "seat"
    NUMBER = "number"
    DEVICE = "device"
    LICENCE = "licence"
    FEATURE = "feature"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


class Op(enum.StrEnum):
    ADD = "add"
    MOVE = "move"
    CHANGE = "change"
    DELETE = "delete"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class FeatureType(enum.StrEnum):
    VOICEMAIL = "voicemail"
    CALL_QUEUE = "call_queue"
    HUNT_GROUP = "hunt_group"
    AUTO_ATTENDANT = "auto_attendant"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


KIND_LABELS: Mapping[Kind, str] = MappingProxyType(
    {
        Kind.SEAT: "user",
        Kind.NUMBER: "phone number",
        Kind.DEVICE: "device",
        Kind.LICENCE: "licence",
        Kind.FEATURE: "feature",
    }
)

# Where an item is and who pays for it: every kind has them; a move changes only these
# (and a number's service address, which must follow the number for emergency calls and tax).
LOCATION = ("site", "cost_centre")

FIELDS: Mapping[Kind, tuple[str, ...]] = MappingProxyType(
    {
        Kind.SEAT: ("email", "name", "extension", *LOCATION),
        Kind.NUMBER: ("number", "service_address", "assigned_to", "monthly_price", *LOCATION),
        Kind.DEVICE: ("mac", "serial", "model", "assigned_to", "monthly_price", *LOCATION),
        Kind.LICENCE: ("platform", "product", "assigned_to", "quantity", "monthly_price", *LOCATION),
        Kind.FEATURE: ("feature_type", "name", "extension", "assigned_to", "monthly_price", *LOCATION),
    }
)
REQUIRED: Mapping[Kind, frozenset[str]] = MappingProxyType(
    {
        Kind.SEAT: frozenset({"email", "name"}),
        Kind.NUMBER: frozenset({"number", "service_address"}),
        Kind.DEVICE: frozenset({"model"}),
        Kind.LICENCE: frozenset({"platform", "product", "monthly_price"}),
        Kind.FEATURE: frozenset({"feature_type", "name"}),
    }
)
# A device is known by its MAC address, or by its serial number when it has no MAC.
IDENTITY: Mapping[Kind, tuple[str, ...]] = MappingProxyType(
    {
        Kind.SEAT: ("email",),
        Kind.NUMBER: ("number",),
        Kind.DEVICE: ("mac",),
        Kind.LICENCE: ("platform", "product", "assigned_to"),
        Kind.FEATURE: ("feature_type", "name"),
    }
)
MOVE_FIELDS: Mapping[Kind, tuple[str, ...]] = MappingProxyType(
    {kind: (*LOCATION, "service_address") if kind == Kind.NUMBER else LOCATION for kind in Kind}
)
# Every column an item's row can have, in the order of the CSV export.
COLUMNS = (
    "kind",
    "email",
    "name",
    "extension",
    "number",
    "service_address",
    "mac",
    "serial",
    "model",
    "platform",
    "product",
    "feature_type",
    "quantity",
    "monthly_price",
    "assigned_to",
    "site",
    "cost_centre",
)
FIELD_LABELS = MappingProxyType(
    {
        "email": "e-mail",
        "name": "name",
        "extension": "extension",
        "number": "number",
        "service_address": "service address",
        "mac": "MAC address",
        "serial": "serial number",
        "model": "model",
        "platform": "platform",
        "product": "product",
        "feature_type": "feature type",
        "quantity": "quantity",
        "monthly_price": "monthly price",
        "assigned_to": "assigned to",
        "site": "site",
        "cost_centre": "cost centre",
    }
)
DEFAULTS = MappingProxyType({"quantity": "1", "monthly_price": "0.00"})
MAX_PRICE = Decimal("100000")
MAX_QUANTITY = 100_000


@dataclass(frozen=True)
class ChangeType:
    kind: Kind
    op: Op
    typical_minutes: int  # support's usual time for it, what a MACD fee estimate counts

    @property
    def label(self) -> str:
        return f"{self.op.label} {self.kind.label}"

    @property
    def key(self) -> str:
        """ "seat:add": how MACD requests and how-to guides name the change type."""
        return f"{self.kind.value}:{self.op.value}"

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields this change may write."""
        if self.op == Op.DELETE:
            return ()
        if self.op == Op.MOVE:
            return MOVE_FIELDS[self.kind]
        if self.op == Op.ADD:
            return FIELDS[self.kind]
        return tuple(f for f in FIELDS[self.kind] if f not in IDENTITY[self.kind])


_MINUTES = {
    Kind.SEAT: (20, 10, 10, 10),
    Kind.NUMBER: (15, 15, 10, 10),
    Kind.DEVICE: (20, 15, 10, 10),
    Kind.LICENCE: (10, 5, 5, 5),
    Kind.FEATURE: (30, 15, 20, 10),
}
CHANGE_TYPES: Mapping[tuple[Kind, Op], ChangeType] = MappingProxyType(
    {
        (kind, op): ChangeType(kind, op, minutes)
        for kind, row in _MINUTES.items()
        for op, minutes in zip((Op.ADD, Op.MOVE, Op.CHANGE, Op.DELETE), row, strict=True)
    }
)


def typical_minutes(changes: Collection[Change]) -> int:
    """Support's usual time for a list of changes (unknown kinds count nothing)."""
    total = 0
    for change in changes:
        try:
            total += CHANGE_TYPES[(Kind(change.kind), Op(change.op))].typical_minutes
        except ValueError:
            continue
    return total


@dataclass(frozen=True)
class Change:
    """One requested change: `key` names an existing item (move, change, delete; any
    spelling the kind accepts, e.g. a number typed with spaces); an add's key comes from
    its identity fields. `values` are raw strings as typed."""

    kind: str
    op: str
    key: str = ""
    values: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "op": self.op, "key": self.key, "values": dict(self.values)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        values = data.get("values") or {}
        return cls(
            kind=str(data.get("kind", "")),
            op=str(data.get("op", "")),
            key=str(data.get("key", "") or ""),
            values={str(k): "" if v is None else str(v) for k, v in dict(values).items()},
        )


@dataclass(frozen=True)
class Checked:
    """A change's effect on one item: its state before (None: new) and after (None: gone)."""

    kind: Kind
    op: Op
    key: str
    old: Mapping[str, str] | None
    new: Mapping[str, str] | None


class ChangeRefused(Exception):
    """What is wrong with a change, fit to show the person who asked."""


# -- normalising values --------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MAC_SEPARATORS = re.compile(r"[\s:.\-]")
_HEX12 = re.compile(r"^[0-9A-F]{12}$")
_SERIAL = re.compile(r"^[A-Z0-9][A-Z0-9\-]{2,63}$")
_EXTENSION = re.compile(r"^[0-9]{2,8}$")
_PLATFORM = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,39}$")
_MAX_TEXT = {
    "name": 200,
    "service_address": 300,
    "model": 100,
    "product": 100,
    "site": 100,
    "cost_centre": 100,
}


def normalise_number(raw: str, region: str = "US") -> str:
    """A phone number in E.164 (`+13035550100`), read in `region` when typed without a
    country code; a leading "+" keeps it international."""
    text = raw.strip()
    if text.startswith("'"):  # a spreadsheet's "keep as text" mark
        text = text[1:]
    if not any(ch.isdigit() for ch in text):
        raise ChangeRefused(f"“{raw}” is not a phone number.")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ChangeRefused(f"“{raw}” is not a phone number.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ChangeRefused(f"“{raw}” is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalise_mac(raw: str) -> str:
    """`00:1A:2B:3C:4D:5E`, from any of the usual spellings (colons, dashes, dots, none)."""
    hexes = _MAC_SEPARATORS.sub("", raw.strip()).upper()
    if not _HEX12.match(hexes):
        raise ChangeRefused(f"“{raw}” is not a MAC address (12 hexadecimal digits, e.g. 00:1A:2B:3C:4D:5E).")
    return ":".join(hexes[i : i + 2] for i in range(0, 12, 2))


def normalise_price(raw: str) -> str:
    text = raw.strip().replace("$", "").replace(",", "")
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise ChangeRefused(f"“{raw}” is not an amount (e.g. 30.00).") from None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise ChangeRefused(f"“{raw}” is not a monthly price between 0 and {MAX_PRICE:,}.")
    if price != price.quantize(Decimal("0.01")):
        raise ChangeRefused(f"“{raw}” has more than two decimal places.")
    return str(price.quantize(Decimal("0.01")))


def normalise(name: str, raw: str, *, region: str = "US", platforms: Collection[str] | None = None) -> str:
    """One field's stored form, or ChangeRefused saying why not. "" stays "" (no value)."""
    if has_control(raw):
        raise ChangeRefused(f"The {FIELD_LABELS.get(name, name)} contains a control character.")
    text = raw.strip()
    if text.startswith("'"):  # spreadsheets' text mark, and the export's guard against formulas
        text = text[1:].strip()
    if not text:
        return ""
    if name in ("email", "assigned_to"):
        if len(text) > 254 or not _EMAIL.match(text):
            raise ChangeRefused(f"“{raw}” is not an e-mail address.")
        return text.lower()
    if name == "number":
        return normalise_number(text, region)
    if name == "mac":
        return normalise_mac(text)
    if name == "serial":
        serial = text.upper()
        if not _SERIAL.match(serial):
            raise ChangeRefused(f"“{raw}” is not a serial number (3-64 letters, digits and dashes).")
        return serial
    if name == "extension":
        if not _EXTENSION.match(text):
            raise ChangeRefused(f"“{raw}” is not an extension (2-8 digits).")
        return text
    if name == "monthly_price":
        return normalise_price(text)
    if name == "quantity":
        if not (text.isascii() and text.isdecimal()) or not 1 <= int(text) <= MAX_QUANTITY:
            raise ChangeRefused(f"“{raw}” is not a quantity between 1 and {MAX_QUANTITY:,}.")
        return str(int(text))
    if name == "feature_type":
        try:
            return FeatureType(text.lower().replace(" ", "_")).value
        except ValueError:
            kinds = ", ".join(f.value for f in FeatureType)
            raise ChangeRefused(f"“{raw}” is not a feature type ({kinds}).") from None
    if name == "platform":
        code = text.lower()
        if not _PLATFORM.match(code) or (platforms is not None and code not in platforms):
            known = f" ({', '.join(sorted(platforms))})" if platforms else ""
            raise ChangeRefused(f"“{raw}” is not a platform of this organisation{known}.")
        return code
    limit = _MAX_TEXT.get(name, 200)
    if len(text) > limit:
        raise ChangeRefused(f"The {FIELD_LABELS.get(name, name)} is longer than {limit} characters.")
    return text


def key_of(kind: Kind, state: Mapping[str, str]) -> str:
    """An item's key, from its (normalised) identity fields."""
    if kind == Kind.DEVICE:
        return state.get("mac") or f"SN:{state.get('serial', '')}"
    if kind == Kind.LICENCE:
        return "/".join(state.get(f, "").lower() for f in IDENTITY[kind])
    if kind == Kind.FEATURE:
        return f"{state.get('feature_type', '')}/{state.get('name', '').lower()}"
    return state.get(IDENTITY[kind][0], "")


def normalise_key(kind: Kind, raw: str, *, region: str = "US") -> str:
    """The key an existing item is named by, from a spelling of it."""
    text = raw.strip()
    if not text:
        raise ChangeRefused(f"Name the {kind.label} to change.")
    if kind == Kind.NUMBER:
        return normalise_number(text, region)
    if kind == Kind.DEVICE:
        if text.upper().startswith("SN:"):
            return "SN:" + text[3:].strip().upper()
        try:
            return normalise_mac(text)
        except ChangeRefused:
            return "SN:" + text.upper()
    if kind == Kind.FEATURE:
        kind_part, _, name = text.partition("/")
        return f"{kind_part.strip().lower().replace(' ', '_')}/{name.strip().lower()}"
    return text.lower()


def parse_kind(raw: str) -> Kind:
    try:
        return Kind(raw.strip().lower())
    except ValueError:
        raise ChangeRefused(f"“{raw}” is not a kind of item ({', '.join(k.value for k in Kind)}).") from None


def parse_op(raw: str) -> Op:
    try:
        return Op(raw.strip().lower())
    except ValueError:
        raise ChangeRefused(f"“{raw}” is not a change ({', '.join(o.value for o in Op)}).") from None


# -- checking a change ---------------------------------------------------------------------


def check(
    change: Change,
    current: Mapping[str, str] | None,
    *,
    region: str = "US",
    platforms: Collection[str] | None = None,
    normalised: bool = False,
) -> Checked:
    """The change's effect on its item (`current`: its state now, None if there is none), or
    ChangeRefused naming every problem found. `normalised`: the values are stored forms
    already (`normalise` was applied, as an import's preview does), so not read again."""
    kind, op = parse_kind(change.kind), parse_op(change.op)
    ctype = CHANGE_TYPES[(kind, op)]
    problems: list[str] = []
    allowed = set(ctype.fields)
    given: dict[str, str] = {}
    for name, raw in change.values.items():
        if name not in allowed:
            if op == Op.DELETE:
                continue  # a delete needs only the key; whatever else came with it is ignored
            problems.append(_not_writable(kind, op, name))
            continue
        try:
            given[name] = raw if normalised else normalise(name, raw, region=region, platforms=platforms)
        except ChangeRefused as exc:
            problems.append(str(exc))
    if problems:
        raise ChangeRefused(" ".join(problems))
    if op == Op.ADD:
        return _add(kind, given, current)
    if current is None:
        raise ChangeRefused(
            f"There is no {kind.label} {change.key.strip() or '(no key given)'} in the inventory."
        )
    key = current_key(kind, current)
    if op == Op.DELETE:
        return Checked(kind, op, key, dict(current), None)
    if (
        kind == Kind.DEVICE
        and not current.get("mac")
        and given.get("serial", current.get("serial")) != current.get("serial")
    ):
        raise ChangeRefused(_not_writable(kind, op, "mac").replace("MAC address", "serial number"))
    new = {**current, **given}
    missing = [f for f in REQUIRED[kind] if not new.get(f)]
    if kind == Kind.DEVICE and not (new.get("mac") or new.get("serial")):
        missing.append("mac")
    if missing:
        raise ChangeRefused(_missing(kind, missing))
    moved_site = op == Op.MOVE and kind == Kind.NUMBER and new.get("site") != current.get("site")
    if moved_site and new.get("service_address") == current.get("service_address"):
        raise ChangeRefused(
            "A number moved to another site needs its new service address (emergency calls and "
            "taxes follow it)."
        )
    if new == dict(current):
        raise ChangeRefused(f"The change leaves the {kind.label} {key} as it is.")
    return Checked(kind, op, key, dict(current), new)


def _add(kind: Kind, given: Mapping[str, str], current: Mapping[str, str] | None) -> Checked:
    state = {name: given.get(name, DEFAULTS.get(name, "")) for name in FIELDS[kind]}
    missing = [f for f in sorted(REQUIRED[kind]) if not given.get(f)]
    if kind == Kind.DEVICE and not (state.get("mac") or state.get("serial")):
        missing.append("mac")
    if missing:
        raise ChangeRefused(_missing(kind, missing))
    key = key_of(kind, state)
    if current is not None:
        raise ChangeRefused(f"The {kind.label} {key} is already in the inventory.")
    return Checked(kind, Op.ADD, key, None, state)


def current_key(kind: Kind, state: Mapping[str, str]) -> str:
    return key_of(kind, state)


def _missing(kind: Kind, names: list[str]) -> str:
    if kind == Kind.DEVICE and "mac" in names:
        names = [n for n in names if n != "mac"] + ["MAC address or serial number"]
    labels = [FIELD_LABELS.get(n, n) for n in names]
    return f"A {kind.label} needs a {', '.join(labels)}."


def _not_writable(kind: Kind, op: Op, name: str) -> str:
    if name not in FIELDS[kind]:
        return (
            f"A {kind.label} has no {FIELD_LABELS.get(name, name)}; its fields are {', '.join(FIELDS[kind])}."
        )
    if name in IDENTITY[kind]:
        return (
            f"The {FIELD_LABELS[name]} identifies the {kind.label} and cannot change: delete it and add "
            "a new one."
        )
    return f"A {op.value} of a {kind.label} writes only {', '.join(CHANGE_TYPES[(kind, op)].fields)}."


def classify(kind: Kind, current: Mapping[str, str] | None, desired: Mapping[str, str]) -> Op | None:
    """What turns `current` into `desired` (a row of an imported sheet): None when nothing."""
    if current is None:
        return Op.ADD
    differs = {f for f in FIELDS[kind] if (desired.get(f) or "") != (current.get(f) or "")}
    if not differs:
        return None
    return Op.MOVE if differs <= set(MOVE_FIELDS[kind]) else Op.CHANGE


def as_change(
    kind: Kind, op: Op, key: str, current: Mapping[str, str] | None, desired: Mapping[str, str]
) -> Change:
    """The change `classify` found, as a Change carrying only what differs."""
    if op == Op.ADD:
        return Change(kind.value, op.value, key, {f: v for f, v in desired.items() if v})
    if op == Op.DELETE:
        return Change(kind.value, op.value, key, {})
    writable = CHANGE_TYPES[(kind, op)].fields
    values = {
        f: desired.get(f, "") for f in writable if (desired.get(f) or "") != ((current or {}).get(f) or "")
    }
    return Change(kind.value, op.value, key, values)


# -- what it costs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Charge:
    monthly: Decimal  # how the monthly bill moves from the effective date
    amount: Decimal  # pro-rated for the rest of the effective date's month

    @property
    def is_zero(self) -> bool:
        return self.monthly == 0


def _price(state: Mapping[str, str] | None) -> tuple[Decimal | None, int]:
    if state is None:
        return None, 0
    return Decimal(state.get("monthly_price") or "0"), int(state.get("quantity") or "1")


def charge(old: Mapping[str, str] | None, new: Mapping[str, str] | None, effective: date) -> Charge:
    """The billing effect of one item going from `old` to `new` on `effective`."""
    (old_price, old_qty), (new_price, new_qty) = _price(old), _price(new)
    monthly = proration.monthly_delta(old_price, old_qty, new_price, new_qty)
    return Charge(monthly, proration.prorate(monthly, effective))
