"""Shared pieces of the status sync: the pass report and "apply a value only if it changed".

A sync pass compares Tango's values with the local row in Python and writes only rows that
differ, so a pass over unchanged data performs no writes at all. Every value is first brought
to the shape the column stores (money quantized to cents, strings fitted to the column length,
None to "") so that the comparison is exact and a pass is never "dirty" by representation alone.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from orders.models import LineItem, Order, OrderEvent
from orders.statuses import EventSource
from orders.tango.types import TangoOrder

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
RATE = Decimal("0.00000001")  # Order.exchange_rate has 8 decimal places


@dataclass
class SyncReport:
    """Counters of one sync pass (returned by the services, logged by the tasks)."""

    list_calls: int = 0
    detail_calls: int = 0
    seen: int = 0
    updated: int = 0
    created: int = 0
    events: int = 0
    skipped: int = 0
    windows: int = 0

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


def actor_or_none(acting_user: Any) -> Any:
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


def status_event(
    *,
    order: Order,
    old: str,
    new: str,
    source: str,
    occurred_at: Any,
    acting_user: Any = None,
) -> OrderEvent:
    return OrderEvent(
        order_id=order.pk,
        kind=OrderEvent.Kind.STATUS_CHANGED,
        source=source,
        old_status=old or "",
        new_status=new or "",
        message=f"Tango order status {old or '(none)'} → {new or '(none)'}",
        actor=actor_or_none(acting_user),
        details={"reference_order_id": order.reference_order_id},
        occurred_at=occurred_at,
    )


# Line-item fields whose change is worth a timeline row (flags and dates are not).
LINE_ITEM_TIMELINE_FIELDS = ("status", "email_status", "delivery_status", "reward_status")
_LABELS = {
    "status": "line-item status",
    "email_status": "email status",
    "delivery_status": "delivery status",
    "reward_status": "reward status",
}


def line_item_event(
    *,
    line_item: LineItem,
    changes: Changes,
    source: str,
    occurred_at: Any,
    acting_user: Any = None,
    note: str = "",
) -> OrderEvent | None:
    """A `line_item_changed` row for the status-like fields that changed, else None."""
    changed = [name for name in LINE_ITEM_TIMELINE_FIELDS if name in changes.fields]
    if not changed:
        return None
    main = changed[0]
    old, new = changes.fields[main]
    parts = [
        f"{_LABELS[name]} {changes.fields[name][0] or '(none)'} → "
        f"{changes.fields[name][1] or '(none)'}"
        for name in changed
    ]
    message = f"{line_item.reference_line_item_id or 'line ' + str(line_item.line_number)}: "
    message += "; ".join(parts)
    if note:
        message += f" ({note})"
    return OrderEvent(
        order_id=line_item.order_id,
        line_item_id=line_item.pk,
        kind=OrderEvent.Kind.LINE_ITEM_CHANGED,
        source=source,
        old_status=str(old or "")[:24],
        new_status=str(new or "")[:24],
        message=message,
        actor=actor_or_none(acting_user),
        details={
            "changes": {
                name: [changes.fields[name][0], changes.fields[name][1]] for name in changed
            }
        },
        occurred_at=occurred_at,
    )


def bulk_write(model: type[models.Model], changed: list[Changes], *, extra: dict[str, Any]) -> int:
    """One bulk UPDATE for every changed row (plus `extra` fields such as last_synced_at).

    The UPDATE covers the union of changed fields; rows that did not change a given field
    write back the value just read, which is the value Tango also reported.
    """
    if not changed:
        return 0
    fields: set[str] = set(extra)
    for change in changed:
        fields.update(change.fields)
        for name, value in extra.items():
            setattr(change.obj, name, value)
    model.objects.bulk_update([c.obj for c in changed], sorted(fields), batch_size=500)
    return len(changed)


def order_changes(order: Order, tango: TangoOrder) -> Changes:
    """What GET /orders says about an order, applied to the row (tracked in `Changes`)."""
    changes = Changes(order)
    if order.reference_order_id is None:
        changes.set("reference_order_id", tango.reference_order_id)
    changes.set_str("tango_status", tango.status)
    charged = tango.amount_charged
    if charged is not None:
        if charged.value is not None:
            changes.set("amount_charged_value", quantize(charged.value))
        if charged.fee is not None:
            changes.set("amount_charged_fee", quantize(charged.fee))
        if charged.total is not None:
            changes.set("amount_charged_total", quantize(charged.total))
        changes.set_str("amount_charged_currency", charged.currency_code)
        if charged.exchange_rate is not None:
            changes.set("exchange_rate", quantize(charged.exchange_rate, RATE))
    if tango.created_at is not None:
        changes.set("tango_created_at", tango.created_at)
    return changes


SYNC = EventSource.SYNC
