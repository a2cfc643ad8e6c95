"""Shared pieces of the status sync: the pass report and "apply a value only if it changed".

A sync pass compares Tango's values with the local row in Python and writes only rows that
differ, so a pass over unchanged data performs no writes at all. Every value is first brought
to the shape the column stores (money quantized to cents, strings fitted to the column length,
None to "") so that the comparison is exact and a pass is never "dirty" by representation alone.

Several writers touch the same rows (the open and recent passes, "Refresh from Tango", webhooks,
the async order mirror), and a Tango read may be older than the local row by the time it is
applied. Two rules keep that safe: a read never moves a status backwards (orders/sync/status.py
applies every status read through statuses.py's `*_status_goes_back`), and `bulk_write` writes a
field only if it still holds the value the diff was made against.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Cast

from core.actor import Actor, ActorPath
from orders import events
from orders.models import LineItem, Order, OrderEvent
from orders.sync import guarded_update

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
RATE = Decimal("0.00000001")  # Order.exchange_rate has 8 decimal places


@dataclass
class SyncReport:
    """Counters of one sync pass (returned by the passes, logged by the tasks)."""

    list_calls: int = 0
    detail_calls: int = 0
    seen: int = 0
    updated: int = 0
    created: int = 0
    events: int = 0
    skipped: int = 0
    windows: int = 0
    adopted: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, other: SyncReport) -> SyncReport:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)
        return self


def quantize(value: Decimal | None, step: Decimal = CENT) -> Decimal | None:
    return None if value is None else value.quantize(step)


def fit(model: type[models.Model], field_name: str, value: Any) -> str:
    """A Tango string as the CharField stores it: None -> "", cut to the column's max_length.

    Tango may add enum values at any time (TANGO_API.md §2.3); cutting keeps PostgreSQL from
    rejecting a whole page over one unexpected long value, and keeps comparisons stable.
    """
    text = "" if value is None else str(value)
    max_length = model._meta.get_field(field_name).max_length
    if max_length and len(text) > max_length:
        # The value itself is not logged: the field may hold a recipient's email or name.
        logger.warning(
            "sync: a %s.%s value from Tango is longer than %d chars; stored cut",
            model.__name__,
            field_name,
            max_length,
        )
        text = text[:max_length]
    return text


class Changes:
    """Collects field changes on one row: `set()` only records values that differ."""

    def __init__(self, obj: models.Model) -> None:
        self.obj = obj
        self.fields: dict[str, tuple[Any, Any]] = {}

    def set(self, field_name: str, value: Any) -> None:
        old = getattr(self.obj, field_name)
        if old != value:
            self.fields[field_name] = (old, value)
            setattr(self.obj, field_name, value)

    def set_str(self, field_name: str, value: str | None, *, keep_if_none: bool = True) -> None:
        """Set a CharField from Tango; `None` from Tango leaves the local value alone."""
        if value is None and keep_if_none:
            return
        self.set(field_name, fit(type(self.obj), field_name, value))

    def __bool__(self) -> bool:
        return bool(self.fields)

    def old(self, field_name: str) -> Any:
        return self.fields[field_name][0]


def line_item_event(
    *,
    line_item: LineItem,
    changes: Changes,
    actor: Actor,
    occurred_at: datetime,
    note: str = "",
) -> OrderEvent | None:
    """An unsaved `line_item_changed` row for the status-like fields that changed, else None."""
    return events.line_item_changed(
        line_item=line_item,
        changes=changes.fields,
        actor=actor,
        occurred_at=occurred_at,
        note=note,
        save=False,
    )


def line_item_events(
    changed: list[Changes], *, actor: Actor, occurred_at: datetime, note: str = ""
) -> list[OrderEvent]:
    """`line_item_changed` rows for what `bulk_write` really wrote (call it after the write)."""
    rows = (
        line_item_event(
            line_item=changes.obj, changes=changes, actor=actor, occurred_at=occurred_at, note=note
        )
        for changes in changed
        if changes
    )
    return [row for row in rows if row is not None]


def bulk_write(
    model: type[models.Model],
    changed: list[Changes],
    *,
    extra: dict[str, Any],
    orders_locked: bool = False,
) -> int:
    """Write each row's changed fields, and only if they still hold the value the diff read.

    In one short transaction: lock just the changed rows (in pk order, so two passes cannot
    deadlock), drop every field another writer changed since the diff read it (theirs is at
    least as new; the next pass reads Tango again), then write, per row, only its own changed
    fields plus `extra` (e.g. last_synced_at). A row left with no change is not written at all.
    Dropped fields are removed from the `Changes` (and the object gets the stored value back),
    so callers build timeline rows after this call, from what was really written. Returns how
    many rows were written. Never call it across HTTP. Line items whose status changes get
    their orders locked first (orders_to_lock), unless the caller's transaction holds them
    already (`orders_locked`).

    On PostgreSQL each batch (up to 1,000 rows) is one statement that locks, checks and writes
    (orders/sync/guarded_update.py); elsewhere a SELECT FOR UPDATE, the check in Python and
    one CASE WHEN UPDATE per batch.
    """
    rows = [change for change in changed if change and change.obj.pk is not None]
    if not rows:
        return 0
    postgres = connection.vendor == "postgresql"
    batches = _batches(rows, guarded_update.MAX_ROWS if postgres else None)
    write = _write_batch_postgres if postgres else _write_batch
    parents = orders_to_lock(model, rows) if postgres and not orders_locked else set()
    if len(batches) == 1 and postgres and not parents:
        return write(model, batches[0], extra)  # one statement: atomic on its own
    written = 0
    with transaction.atomic():
        lock_orders(parents)
        for batch in batches:
            written += write(model, batch, extra)
    return written


def orders_to_lock(model: type[models.Model], rows: list[Changes]) -> set[int]:
    """The orders whose line statuses these line writes may change. The facet trigger
    (orders 0013) locks a line's order after the line is written; a sync page locks its orders
    and then writes their lines. Locking the orders first (in pk order, lock_orders) gives
    every writer the same order, order then line, so a webhook's line write and a sync page
    cannot deadlock. A line moved to another order changes both."""
    if model is not LineItem:
        return set()
    ids: set[int] = set()
    for row in rows:
        if "status" in row.fields or "order" in row.fields:
            ids.add(row.obj.order_id)
        if "order" in row.fields:
            old = row.old("order")
            ids.add(getattr(old, "pk", old))
    ids.discard(None)
    return ids


def lock_orders(ids: set[int] | list[int]) -> None:
    """SELECT ... FOR UPDATE these orders, in pk order (inside the caller's transaction; a
    no-op on SQLite, where nothing runs concurrently with a write)."""
    if ids and connection.vendor == "postgresql":
        list(Order.objects.filter(pk__in=sorted(ids)).order_by("pk").select_for_update())


def _batches(rows: list[Changes], max_rows: int | None = None) -> list[list[Changes]]:
    rows = sorted(rows, key=lambda change: change.obj.pk)
    if max_rows is None:
        # Per row and changed field the UPDATE binds WHEN pk=%s THEN %s, plus the pk in IN (...).
        names = {name for change in rows for name in change.fields}
        params_per_row = ["pk"] * (2 * len(names) + 1)
        max_rows = connection.ops.bulk_batch_size(params_per_row, rows) or len(rows)
    return [rows[i : i + max_rows] for i in range(0, len(rows), max_rows)]


def _write_batch_postgres(
    model: type[models.Model], batch: list[Changes], extra: dict[str, Any]
) -> int:
    by_pk = {change.obj.pk: change for change in batch}
    written = 0
    for pk, row_written, per_field in guarded_update.write_batch(model, batch, extra):
        change = by_pk.pop(pk)
        for name, (field_written, stored) in per_field.items():
            if name in change.fields and not field_written:
                _drop(model, change, name, stored)
        if row_written:
            written += 1
            for name, value in extra.items():
                setattr(change.obj, name, value)
    for change in by_pk.values():  # deleted meanwhile
        change.fields.clear()
    return written


def _drop(model: type[models.Model], change: Changes, name: str, stored: Any) -> None:
    logger.info(
        "sync: %s %s.%s changed meanwhile; left to the next pass",
        model.__name__,
        change.obj.pk,
        name,
    )
    del change.fields[name]
    setattr(change.obj, name, stored)


def _write_batch(model: type[models.Model], batch: list[Changes], extra: dict[str, Any]) -> int:
    names = sorted({name for change in batch for name in change.fields})
    attnames = {name: model._meta.get_field(name).attname for name in names}
    current = {
        row[0]: dict(zip(names, row[1:], strict=True))
        for row in model.objects.select_for_update()
        .filter(pk__in=[change.obj.pk for change in batch])
        .order_by("pk")
        .values_list("pk", *[attnames[name] for name in names])
    }
    survivors: list[Changes] = []
    for change in batch:
        stored = current.get(change.obj.pk)
        if stored is None:  # deleted meanwhile
            change.fields.clear()
            continue
        for name in list(change.fields):
            if stored[name] != change.fields[name][0]:
                _drop(model, change, name, stored[name])
        if change:
            survivors.append(change)
    if not survivors:
        return 0
    updates: dict[str, Any] = {}
    for name in names:
        field = model._meta.get_field(name)
        whens = [
            When(pk=change.obj.pk, then=Value(change.fields[name][1], output_field=field))
            for change in survivors
            if name in change.fields
        ]
        if not whens:
            continue
        # ELSE keeps the stored value: a row that did not change this field is not touched.
        case: Any = Case(*whens, default=F(field.attname), output_field=field)
        if connection.features.requires_casted_case_in_updates:
            case = Cast(case, output_field=field)
        updates[field.attname] = case
    updates.update(extra)
    for change in survivors:
        for name, value in extra.items():
            setattr(change.obj, name, value)
    model.objects.filter(pk__in=[change.obj.pk for change in survivors]).update(**updates)
    return len(survivors)


# The sync's own actor: no person, path "sync" (a staff refresh passes its own, via sync).
SYNC_ACTOR = Actor.system(ActorPath.SYNC)
