"""Compare one window of Tango's orders and line items with our rows (reads only, no writes).

`compare_window` takes what Tango listed for a window (GET /orders, GET /lineItems) and returns
every difference as a `Found`: order status, amounts charged (value, fee, total), line-item and
reward status, a bulk line's charged total, the recipient; and Tango's orders we do not have
(missing here). Ours that Tango no longer lists (missing at Tango) need the whole range, so the
run asks `missing_at_tango` once at the end. A fixed number of queries per window.

Recipient values are kept masked (core.masking): a mismatch row shows *that* the email or name
differs, never the address itself; adopting it re-reads Tango.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q

from core.masking import mask_email, mask_name, mask_phone
from orders.models import LineItem, Order
from recon.models import Mismatch
from tango.types import TangoLineItem, TangoOrder

K = Mismatch.Kind
CENT = Decimal("0.01")
ORDER_FIELDS = ("id", "reference_order_id", "tango_status", "is_bulk", "ordered_at")
AMOUNTS = {
    "value": "amount_charged_value",
    "fee": "amount_charged_fee",
    "total": "amount_charged_total",
}
ORDER_VALUES = (*ORDER_FIELDS, *AMOUNTS.values())
LINE_VALUES = (
    "id",
    "order_id",
    "line_number",
    "reference_line_item_id",
    "status",
    "reward_status",
    "amount_charged_total",
    "recipient_email",
    "recipient_first_name",
    "recipient_last_name",
    "recipient_mobile",
)
RECIPIENT = {
    "email": ("recipient_email", lambda v: mask_email(v), str.lower),
    "first_name": ("recipient_first_name", lambda v: f"{v.strip()[:1]}…", str.strip),
    "last_name": ("recipient_last_name", lambda v: mask_name("", v), str.strip),
    "mobile_number": ("recipient_mobile", lambda v: mask_phone(v), str.strip),
}


@dataclass(frozen=True)
class Found:
    kind: str
    reference_order_id: str
    field: str = ""
    reference_line_item_id: str = ""
    order_id: int | None = None
    line_item_id: int | None = None
    ordered_at: datetime | None = None
    ours: str = ""
    theirs: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.field, self.reference_order_id, self.reference_line_item_id)


@dataclass
class WindowResult:
    found: list[Found]
    orders: int
    line_items: int


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def compare_window(
    tango_orders: Iterable[TangoOrder],
    tango_lines: Iterable[TangoLineItem],
    *,
    settled_before: datetime | None = None,
) -> WindowResult:
    """`settled_before`: an order Tango created after it may simply not be synced yet (the
    recent-orders pass runs every few minutes), so it is not reported missing here."""
    by_ref = {t.reference_order_id: t for t in tango_orders if t.reference_order_id}
    ours = {
        row["reference_order_id"]: row
        for row in Order.objects.filter(reference_order_id__in=list(by_ref))
        .order_by()
        .values(*ORDER_VALUES)
    }
    found: list[Found] = []
    for ref, tango in by_ref.items():
        row = ours.get(ref)
        if row is None:
            if settled_before and tango.created_at and tango.created_at > settled_before:
                continue
            found.append(
                Found(K.MISSING_HERE, ref, ordered_at=tango.created_at, theirs=_text(tango.status))
            )
            continue
        found += _order_drift(row, tango)
    lines = [t for t in tango_lines if t.reference_order_id in ours]
    found += _line_drift(lines, ours)
    return WindowResult(found=found, orders=len(by_ref), line_items=len(lines))


def _order_drift(row: Mapping[str, Any], tango: TangoOrder) -> list[Found]:
    base = {"reference_order_id": row["reference_order_id"], "order_id": row["id"]}
    base["ordered_at"] = row["ordered_at"]
    found = []
    if tango.status is not None and tango.status != row["tango_status"]:
        found.append(Found(K.ORDER_STATUS, ours=row["tango_status"], theirs=tango.status, **base))
    charged = tango.amount_charged
    for key, column in AMOUNTS.items():
        theirs = _money(getattr(charged, key, None)) if charged is not None else None
        if theirs is not None and theirs != _money(row[column]):
            found.append(
                Found(K.AMOUNT, field=column, ours=_text(row[column]), theirs=str(theirs), **base)
            )
    return found


def _line_drift(tango_lines: list[TangoLineItem], orders: Mapping[str, Mapping]) -> list[Found]:
    order_ids = {row["id"]: row for row in orders.values()}
    local = list(
        LineItem.objects.filter(order_id__in=list(order_ids)).order_by().values(*LINE_VALUES)
    )
    by_line_ref = {r["reference_line_item_id"]: r for r in local if r["reference_line_item_id"]}
    by_number = {(r["order_id"], r["line_number"]): r for r in local}
    found: list[Found] = []
    for tango in tango_lines:
        order = orders[tango.reference_order_id]
        row = by_line_ref.get(tango.reference_line_item_id) or by_number.get(
            (order["id"], tango.line_number or 1)
        )
        if row is None:
            continue  # a line we have not mirrored yet: the line-item sync creates it
        base = {
            "reference_order_id": order["reference_order_id"],
            "reference_line_item_id": tango.reference_line_item_id,
            "order_id": order["id"],
            "line_item_id": row["id"],
            "ordered_at": order["ordered_at"],
        }
        for field, theirs in (("status", tango.status), ("reward_status", tango.reward_status)):
            if theirs is not None and theirs != row[field]:
                found.append(
                    Found(K.LINE_ITEM_STATUS, field=field, ours=row[field], theirs=theirs, **base)
                )
        # A one-line order's charged amounts are the order's (compared above); a bulk line's
        # charged total is its own.
        total = tango.amount_charged.total if tango.amount_charged is not None else None
        ours_total = _money(row["amount_charged_total"])
        if order["is_bulk"] and total is not None and _money(total) != ours_total:
            found.append(
                Found(
                    K.AMOUNT,
                    field="line_amount_charged_total",
                    ours=_text(ours_total),
                    theirs=str(_money(total)),
                    **base,
                )
            )
        found += _recipient_drift(row, tango, base)
    return found


def _recipient_drift(row: Mapping[str, Any], tango: TangoLineItem, base: dict) -> list[Found]:
    recipient = tango.recipient
    if recipient is None:
        return []
    found = []
    for attr, (column, mask, norm) in RECIPIENT.items():
        theirs, ours = getattr(recipient, attr) or "", row[column] or ""
        if norm(theirs) != norm(ours):
            found.append(
                Found(
                    K.RECIPIENT,
                    field=column,
                    ours=mask(ours) if ours else "",
                    theirs=mask(theirs) if theirs else "",
                    **base,
                )
            )
    return found


def missing_at_tango(start: datetime, end: datetime, seen: set[str]) -> list[Found]:
    """Our placed orders dated in [start, end] (Tango's createdAt) that Tango did not list."""
    rows = (
        Order.objects.filter(Q(ordered_at__gte=start) & Q(ordered_at__lte=end))
        .filter(reference_order_id__isnull=False)
        .order_by()
        .values_list("id", "reference_order_id", "tango_status", "ordered_at")
    )
    return [
        Found(K.MISSING_AT_TANGO, ref, order_id=pk, ordered_at=at, ours=status)
        for pk, ref, status, at in rows.iterator(chunk_size=5000)
        if ref not in seen
    ]
