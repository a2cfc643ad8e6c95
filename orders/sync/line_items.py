"""Line-item sync: GET /lineItems (keyset pages) → line-item, email, delivery, reward statuses.

Same rules as the order sync: one query to match a page, changes computed in Python, one bulk
UPDATE for changed rows and one bulk INSERT of `line_item_changed` timeline rows; an unchanged
page writes nothing. Line items of orders we know but lines we do not (another line of a bulk
order, an imported order whose referenceLineItemID was not in the list view) are matched by
line number or externalRefLineItemID, or created.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.actor import Actor
from orders.models import LineItem, Order, OrderEvent
from orders.sync.changes import (
    SYNC_ACTOR,
    Changes,
    SyncReport,
    bulk_write,
    fit,
    line_item_events,
    lock_orders,
    orders_to_lock,
    quantize,
)
from orders.sync.status import apply_line_item_status
from tango.client import get_client
from tango.types import TangoLineItem

logger = logging.getLogger(__name__)

LINE_ITEM_PAGE_SIZE = 100


def sync_line_items(
    *,
    start: datetime,
    end: datetime,
    report: SyncReport | None = None,
) -> SyncReport:
    """Bring every line item Tango issued in [start, end] up to date locally."""
    client = get_client()
    report = report or SyncReport()
    page_keys: tuple[str, ...] | None = None
    seen = 0
    while True:
        page = client.list_line_items(
            page_keys=list(page_keys) if page_keys else None,
            elements_per_block=LINE_ITEM_PAGE_SIZE,
            start_date=start,
            end_date=end,
        )
        report.list_calls += 1
        apply_tango_line_items(page.line_items, report=report)
        seen += len(page.line_items)
        # Stop on the count as well as on the keys, so N items never cost an extra empty call.
        if not page.line_items or not page.next_page_keys or seen >= page.total_count:
            break
        if page.next_page_keys == page_keys:  # a server that does not advance: do not spin
            logger.warning("sync: GET /lineItems returned the same page keys twice; stopping")
            break
        page_keys = page.next_page_keys
    report.windows += 1
    return report


def _line_changes(line: LineItem, tango: TangoLineItem) -> Changes:
    """What GET /lineItems says about a line, tracked in `Changes`.

    Empty when the read is older than the row (a settled line read as PENDING): its reward
    status and flags are just as old (statuses.line_item_status_goes_back, TANGO_API.md §9.8).
    """
    changes = Changes(line)
    if not apply_line_item_status(changes, tango.status, ident=line.reference_line_item_id):
        return changes
    if line.reference_line_item_id is None and tango.reference_line_item_id:
        changes.set("reference_line_item_id", tango.reference_line_item_id)
    if not line.external_ref_line_item_id and tango.external_ref_line_item_id:
        changes.set_str("external_ref_line_item_id", tango.external_ref_line_item_id)
    # None means "no such status for this delivery method": store it as blank.
    changes.set_str("email_status", tango.email_status, keep_if_none=False)
    changes.set_str("delivery_status", tango.delivery_status, keep_if_none=False)
    changes.set_str("reward_status", tango.reward_status, keep_if_none=False)
    changes.set("can_cancel", bool(tango.can_cancel))
    changes.set("can_freeze", bool(tango.can_freeze))
    if tango.date_issued is not None:
        changes.set("date_issued", tango.date_issued)
    if tango.amount_charged is not None and tango.amount_charged.total is not None:
        changes.set("amount_charged_total", quantize(tango.amount_charged.total))
    # The line's own face value: an order imported from GET /orders only knows the order's
    # total, which for a multi-line (bulk) order is not line 1's amount.
    if tango.amount_issued is not None and tango.amount_issued.value is not None:
        changes.set("amount", quantize(tango.amount_issued.value))
        changes.set_str("currency", tango.amount_issued.currency_code)
    errors = [{"code": e.code, "message": e.message} for e in tango.errors]
    if errors or line.errors:
        changes.set("errors", errors)
    return changes


def apply_tango_line_items(
    items: Iterable[TangoLineItem],
    *,
    report: SyncReport,
    actor: Actor = SYNC_ACTOR,
    note: str = "",
    now: datetime | None = None,
) -> None:
    """Upsert one batch of Tango line items (bulk UPDATE; bulk INSERT of unknown lines)."""
    by_ref = {t.reference_line_item_id: t for t in items if t.reference_line_item_id}
    if not by_ref:
        return
    report.seen += len(by_ref)
    now = now or timezone.now()
    local = {
        line.reference_line_item_id: line
        for line in LineItem.objects.filter(reference_line_item_id__in=list(by_ref)).order_by()
    }
    pairs = [(local[ref], t) for ref, t in by_ref.items() if ref in local]
    unmatched = [t for ref, t in by_ref.items() if ref not in local]
    new_lines: list[LineItem] = []
    if unmatched:
        more_pairs, new_lines = _match_unknown(unmatched, report=report)
        pairs += more_pairs

    changed = [changes for line, tango in pairs if (changes := _line_changes(line, tango))]
    with transaction.atomic():
        # New lines' INSERT also makes the facet trigger lock their orders: every order first.
        lock_orders(orders_to_lock(LineItem, changed) | {line.order_id for line in new_lines})
        report.updated += bulk_write(
            LineItem, changed, extra={"updated_at": now}, orders_locked=True
        )
        if new_lines:
            LineItem.objects.bulk_create(new_lines)
            report.created += len(new_lines)
        # After the write: only what was really written gets a timeline row.
        rows = line_item_events(changed, actor=actor, occurred_at=now, note=note)
        if rows:
            OrderEvent.objects.bulk_create(rows)
            report.events += len(rows)


def _match_unknown(
    unmatched: list[TangoLineItem], *, report: SyncReport
) -> tuple[list[tuple[LineItem, TangoLineItem]], list[LineItem]]:
    """Lines whose referenceLineItemID we have not stored: match within their order, or create."""
    order_refs = {t.reference_order_id for t in unmatched if t.reference_order_id}
    orders = {
        o.reference_order_id: o
        for o in Order.objects.filter(reference_order_id__in=order_refs).order_by()
    }
    siblings: dict[int, list[LineItem]] = {}
    for line in LineItem.objects.filter(order__in=list(orders.values())).order_by():
        siblings.setdefault(line.order_id, []).append(line)
    pairs: list[tuple[LineItem, TangoLineItem]] = []
    new_lines: list[LineItem] = []
    for tango in unmatched:
        order = orders.get(tango.reference_order_id or "")
        if order is None:
            # The order sync imports the order (with this line); the next pass matches it.
            report.skipped += 1
            continue
        lines = siblings.setdefault(order.pk, [])
        line = _find_sibling(lines, tango)
        if line is not None:
            pairs.append((line, tango))
            continue
        line = _new_line_item(order, tango, lines)
        lines.append(line)
        new_lines.append(line)
    return pairs, new_lines


def _find_sibling(lines: list[LineItem], tango: TangoLineItem) -> LineItem | None:
    for line in lines:
        if line.reference_line_item_id not in (None, tango.reference_line_item_id):
            continue
        if tango.external_ref_line_item_id and (
            line.external_ref_line_item_id == tango.external_ref_line_item_id
        ):
            return line
        if not line.external_ref_line_item_id and line.line_number == (tango.line_number or 1):
            return line
    return None


def _new_line_item(order: Order, tango: TangoLineItem, lines: list[LineItem]) -> LineItem:
    taken = {line.line_number for line in lines}
    number = tango.line_number or 1
    while number in taken:
        number += 1
    issued = tango.amount_issued
    recipient = tango.recipient
    line = LineItem(
        order_id=order.pk,
        reference_line_item_id=tango.reference_line_item_id,
        external_ref_line_item_id=fit(
            LineItem, "external_ref_line_item_id", tango.external_ref_line_item_id
        ),
        line_number=number,
        utid=fit(LineItem, "utid", tango.utid),
        reward_name=fit(LineItem, "reward_name", tango.reward_name),
        amount=quantize(issued.value) if issued and issued.value is not None else order.amount,
        currency=(issued and issued.currency_code) or order.currency,
        delivery_method=fit(LineItem, "delivery_method", tango.delivery_method or "EMAIL"),
        recipient_first_name=fit(
            LineItem, "recipient_first_name", recipient and recipient.first_name
        ),
        recipient_last_name=fit(LineItem, "recipient_last_name", recipient and recipient.last_name),
        recipient_email=fit(LineItem, "recipient_email", recipient and recipient.email),
        recipient_mobile=fit(LineItem, "recipient_mobile", recipient and recipient.mobile_number),
    )
    _line_changes(line, tango)  # statuses, flags and dates exactly as an update would set them
    return line


__all__ = ["LINE_ITEM_PAGE_SIZE", "apply_tango_line_items", "sync_line_items"]
