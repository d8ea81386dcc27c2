"""CSV imports of an organisation's inventory: the file is the inventory as it should be.

Preview (`run_preview`, a background task): the stored file is read a chunk of rows at a
time; each row is checked by `rules.inventory` (every field normalised: E.164 numbers with
their leading "+", MAC addresses, prices), compared with the item of the same key (one query
per chunk), and kept as an `ImportRow` saying what it will do (add, move, change, nothing)
and its monthly charge, or why it cannot be applied: an invalid value, a number another
organisation holds (one query per chunk), a row repeating an earlier one, an item assigned
to a user who is neither in the file nor in the inventory. Items missing from the file are
deleted only when the upload asked for it. Progress is committed per chunk, so the page
polling it sees rows counted.

Apply (`run_apply`, after the customer confirmed an error-free preview): the rows' changes,
users first and deletions last, go through `actions.apply_changes` as one stream, so the
same engine checks them again against the inventory as it now is and writes all or nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, Model, OuterRef, Q, Sum

from casedesk.core import bulk, clock, progress
from casedesk.core.errors import Refused
from casedesk.inventory import actions, csvio, engine
from casedesk.inventory.models import ImportJob, ImportRow, Item
from casedesk.rules import inventory as rules
from casedesk.rules import proration
from casedesk.rules.inventory import Change, ChangeRefused, Kind, Op

log = logging.getLogger(__name__)
CHUNK = 1000
PROGRESS_EVERY = 500  # changes applied between two reports of the count
ERRORS_STORED = 10_000  # rows with errors kept for the preview; the count covers them all


def path_of(job: ImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / job.file


def _rank(kind: str, op: str) -> int:
    """Users first (others name them), then the rest, deletions of others, users last."""
    if op == Op.DELETE:
        return 3 if kind == Kind.SEAT else 2
    return 0 if kind == Kind.SEAT else 1


def run_preview(job_id: int) -> None:
    job = ImportJob.objects.select_related("organisation").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return
    try:
        _preview(job)
    except Refused as exc:
        _fail(job, str(exc))
    except Exception:
        log.exception("inventory import %s failed", job_id)
        _fail(job, "The file could not be read; nothing was changed.")
        raise


def _fail(job: ImportJob, message: str) -> None:
    ImportRow.objects.filter(job=job).delete()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, message=message[:5000], finished_at=clock.now()
    )


def _preview(job: ImportJob) -> None:
    org = job.organisation
    ctx = engine.context(org, job.by, job.effective, clock.now(), write=False)
    with path_of(job).open("rb") as binary:
        total = csvio.count_rows(binary)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PREVIEWING, total=total, done=0)
        chunk: list[tuple[int, dict[str, str]]] = []
        done = errors = 0
        for row in csvio.read(binary):
            chunk.append(row)
            if len(chunk) >= CHUNK:
                errors += _preview_chunk(job, ctx, chunk, errors)
                done += len(chunk)
                chunk = []
                ImportJob.objects.filter(pk=job.pk).update(done=done, errors=errors)
                if done in RESTATE_AT:
                    _restate()
        if chunk:
            errors += _preview_chunk(job, ctx, chunk, errors)
            done += len(chunk)
    ImportJob.objects.filter(pk=job.pk).update(done=done, total=max(total, done), errors=errors)
    _restate()
    if job.counts.get("delete_missing"):
        _deletions(job)
    errors += _unknown_users(job)
    _summarise(job, errors)


# The rows table grows by the whole file within seconds, faster than autovacuum notices;
# planned on the statistics of an almost empty table, the look-ups by (job, kind, key) and
# the check of assigned users become scans per row (seconds per thousand rows at 50,000).
RESTATE_AT = frozenset({CHUNK, 10 * CHUNK})


def _restate(model: type[Model] = ImportRow) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {model._meta.db_table}")


def _values(kind: Kind, raw: dict[str, str], ctx: engine.Context) -> tuple[dict[str, str], list[str]]:
    fields = set(rules.FIELDS[kind])
    state: dict[str, str] = {}
    problems: list[str] = []
    if raw.get("__extra__"):
        problems.append("The row has more cells than the header has columns.")
    for name, value in raw.items():
        if name in ("kind", "__extra__"):
            continue
        if name not in fields:
            if value.strip():
                problems.append(
                    f"A {kind.label} has no {rules.FIELD_LABELS.get(name, name)} (“{value[:40]}”)."
                )
            continue
        try:
            state[name] = rules.normalise(name, value, region=ctx.region, platforms=ctx.platforms)
        except ChangeRefused as exc:
            problems.append(str(exc))
    for name in rules.FIELDS[kind]:
        if not state.get(name):
            state[name] = rules.DEFAULTS.get(name, "")
    return state, problems


def _preview_chunk(
    job: ImportJob, ctx: engine.Context, chunk: list[tuple[int, dict[str, str]]], errors: int
) -> int:
    org = job.organisation
    parsed: list[tuple[int, Kind | None, str, dict[str, str], list[str]]] = []
    for line, raw in chunk:
        try:
            parsed_kind = rules.parse_kind(raw.get("kind", ""))
        except ChangeRefused as exc:
            parsed.append((line, None, "", {}, [str(exc)]))
            continue
        state, problems = _values(parsed_kind, raw, ctx)
        parsed.append((line, parsed_kind, rules.key_of(parsed_kind, state), state, problems))
    keys = {key for _, kind, key, _, _ in parsed if kind is not None}
    kinds = {kind.value for _, kind, _, _, _ in parsed if kind is not None}
    current = {
        (row.kind, row.key): engine.state_of(row)
        for row in Item.objects.filter(organisation=org, kind__in=kinds, key__in=keys)
    }
    numbers = {key for _, kind, key, _, _ in parsed if kind == Kind.NUMBER}
    elsewhere = engine.numbers_held_elsewhere(org, numbers)
    seen_before = set(
        ImportRow.objects.filter(job=job, kind__in=kinds, key__in=keys).values_list("kind", "key")
    )
    seen_here: dict[tuple[str, str], int] = {}
    rows: list[ImportRow] = []
    new_errors = 0
    for line, kind, key, state, problems in parsed:
        row = ImportRow(job=job, line=line, kind=kind.value if kind else "", key=key[:320])
        if kind is not None and not problems:
            ident = (kind.value, key)
            old = current.get(ident)
            if ident in seen_before or ident in seen_here:
                where = f"line {seen_here[ident]}" if ident in seen_here else "an earlier line"
                problems.append(f"The {kind.label} {key} is already on {where} of the file.")
            elif kind == Kind.NUMBER and key in elsewhere:
                problems.append(f"The number {key} is held by another organisation.")
            else:
                problems.extend(_plan(row, kind, key, old, state, ctx))
            seen_here.setdefault(ident, line)
        if problems:
            row.error = " ".join(problems)[:2000]
            row.op = ""
            new_errors += 1
            if errors + new_errors > ERRORS_STORED:
                continue
        rows.append(row)
    bulk.insert(rows)
    return new_errors


def _plan(
    row: ImportRow,
    kind: Kind,
    key: str,
    old: dict[str, str] | None,
    state: dict[str, str],
    ctx: engine.Context,
) -> list[str]:
    """Fill the row with what it will do; the problems found, if any."""
    op = rules.classify(kind, old, state)
    row.assigned_to = state.get("assigned_to", "")
    if op is None:
        return []
    change = rules.as_change(kind, op, key, old, state)
    try:
        checked = rules.check(change, old, region=ctx.region, platforms=ctx.platforms, normalised=True)
    except ChangeRefused as exc:
        return [str(exc)]
    row.op = op.value
    row.rank = _rank(kind, op)
    row.change = change.as_dict()
    row.monthly_delta = rules.charge(checked.old, checked.new, ctx.effective).monthly
    return []


def _deletions(job: ImportJob) -> None:
    in_file = ImportRow.objects.filter(job=job, kind=OuterRef("kind"), key=OuterRef("key"))
    missing = (
        Item.objects.filter(organisation=job.organisation)
        .exclude(Exists(in_file))
        .order_by("kind", "key")
        .values_list("kind", "key", "monthly_price", "quantity")
        .iterator(chunk_size=CHUNK)
    )
    batch: list[ImportRow] = []
    for kind, key, price, quantity in missing:
        batch.append(
            ImportRow(
                job=job,
                line=0,
                kind=kind,
                key=key,
                op=Op.DELETE.value,
                rank=_rank(kind, Op.DELETE),
                change=Change(kind, Op.DELETE.value, key).as_dict(),
                monthly_delta=-(Decimal(price) * quantity),
            )
        )
        if len(batch) >= CHUNK:
            bulk.insert(batch)
            batch = []
    if batch:
        bulk.insert(batch)


def _unknown_users(job: ImportJob) -> int:
    """Rows assigning an item to a user neither in the file nor (kept) in the inventory."""
    seat_rows = ImportRow.objects.filter(
        job=job, kind=Kind.SEAT, key=OuterRef("assigned_to"), error=""
    ).exclude(op=Op.DELETE)
    seats = Item.objects.filter(organisation=job.organisation, kind=Kind.SEAT, key=OuterRef("assigned_to"))
    deleted = ImportRow.objects.filter(job=job, kind=Kind.SEAT, key=OuterRef("assigned_to"), op=Op.DELETE)
    bad = (
        ImportRow.objects.filter(job=job, error="")
        .exclude(assigned_to="")
        .exclude(op=Op.DELETE)
        .exclude(Exists(seat_rows))
        .exclude(Q(Exists(seats)) & ~Q(Exists(deleted)))
    )
    rows = list(bad.only("id", "assigned_to", "kind")[:ERRORS_STORED])
    for row in rows:
        row.error = (
            f"There is no user {row.assigned_to} in the file or the inventory to assign the "
            f"{Kind(row.kind).label} to."
        )
        row.op = ""
    ImportRow.objects.bulk_update(rows, ["error", "op"], batch_size=CHUNK)
    return len(rows)


def _summarise(job: ImportJob, errors: int) -> None:
    counts = dict(
        ImportRow.objects.filter(job=job, error="").values_list("op").annotate(n=Count("id")).order_by()
    )
    monthly = ImportRow.objects.filter(job=job, error="").aggregate(total=Sum("monthly_delta"))["total"] or 0
    monthly = Decimal(monthly).quantize(proration.CENT)
    summary = {
        "delete_missing": bool(job.counts.get("delete_missing")),
        **{(op or "unchanged"): n for op, n in counts.items()},
    }
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.PREVIEWED,
        errors=errors,
        counts=summary,
        charge_monthly=monthly,
        charge_amount=proration.prorate(monthly, job.effective),
        done=job.total if job.total else 0,
        finished_at=clock.now(),
    )


def changes_of(job: ImportJob) -> Iterator[Change]:
    rows = (
        ImportRow.objects.filter(job=job, error="")
        .exclude(op="")
        .order_by("rank", "id")
        .values_list("change", flat=True)
        .iterator(chunk_size=CHUNK)
    )
    for data in rows:
        yield Change.from_dict(data or {})


def progress_key(job: ImportJob) -> str:
    return f"import-apply:{job.pk}"


def changes_to_apply(job: ImportJob) -> int:
    return sum(int(job.counts.get(op.value, 0) or 0) for op in Op)


def _counted(job: ImportJob, changes: Iterator[Change]) -> Iterator[Change]:
    """The changes, reporting every `PROGRESS_EVERY` how many have gone by (see core.progress)."""
    total, key = changes_to_apply(job), progress_key(job)
    for n, change in enumerate(changes, start=1):
        if n % PROGRESS_EVERY == 0:
            progress.report(key, n, total)
        yield change


def applied_so_far(job: ImportJob) -> tuple[int, int] | None:
    """(changes applied, changes to apply) while the apply runs, where it can be known."""
    return progress.read(progress_key(job))


def run_apply(job_id: int) -> None:
    job = ImportJob.objects.select_related("organisation", "by").get(pk=job_id)
    if job.status != ImportJob.Status.APPLYING:
        return
    progress.report(progress_key(job), 0, changes_to_apply(job))
    try:
        outcome = actions.apply_changes(
            job.by,
            job.organisation,
            _counted(job, changes_of(job)),
            source=job.source,
            reference=f"import {job.pk}",
        )
    except Refused as exc:
        progress.clear(progress_key(job))
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            message=f"Nothing was applied: {exc}"[:5000],
            finished_at=clock.now(),
        )
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.APPLIED,
        batch=outcome.batch,
        done=job.total,
        charge_monthly=outcome.monthly,
        charge_amount=outcome.amount,
        message=f"{outcome.count:,} change(s) applied.",
        finished_at=clock.now(),
    )
    progress.clear(progress_key(job))
    if outcome.count >= CHUNK:
        # Likewise for the items: the inventory's pages are planned on their statistics
        # (a deep page read by the unique index, not sorted: 18 ms rather than 150 at 50,000).
        _restate(Item)


def confirmable(job: ImportJob) -> Any:
    """Why the preview cannot be confirmed, or None."""
    if job.status != ImportJob.Status.PREVIEWED:
        return f"This import is {job.get_status_display().lower()}; only a finished preview can be confirmed."
    if job.errors:
        return (
            f"{job.errors:,} row(s) cannot be applied. Fix them in the file and upload it again; "
            "nothing is applied until every row can be."
        )
    return None
