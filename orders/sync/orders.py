"""Order status sync: GET /orders by date windows, diffed in Python, written in bulk.

Per page of up to 100 Tango orders the pass runs a fixed number of queries (matching orders,
their line items, and only when something is new or changed: accounts, inserts, one bulk
UPDATE, one bulk INSERT of timeline rows), never a query per row. Rows are matched by
referenceOrderID, or by externalRefID for our own orders whose reference is not known yet;
orders that exist only at Tango (placed in Tango's portal, by another tool, by the demo
seeder) are imported. The transaction per page is short and holds no lock across HTTP calls.

Our own orders that Tango has but we never saw placed (a POST whose answer was lost and that
staff then held, a retry still queued, a 409.024 "already exists" taken as a rejection) are
adopted: moved to PLACED through the placement state machine, then updated like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.actor import Actor
from orders.models import LineItem, Order, OrderEvent
from orders.state import transition_state
from orders.statuses import ADOPT, ADOPTABLE, PlacementState
from orders.sync.changes import (
    SYNC_ACTOR,
    Changes,
    SyncReport,
    bulk_write,
    line_item_events,
    lock_orders,
    orders_to_lock,
)
from orders.sync.imports import import_orders
from orders.sync.status import apply_line_item_status, order_changes, write_orders
from tango.client import TangoClient, get_client
from tango.errors import TangoNotFound
from tango.types import TangoOrder

logger = logging.getLogger(__name__)

ORDER_PAGE_SIZE = 100  # Tango's maximum elementsPerBlock (422.042 above it)
# GET /orders reaches at most 10,000 results (TANGO_API.md §5.1, 400.021 beyond). Read at call
# time so tests can lower it.
MAX_RESULT_WINDOW = 10_000
# Tango's 2020 message catalog caps one query at 100 days (422.043); stay under it.
MAX_WINDOW = timedelta(days=90)
MIN_WINDOW = timedelta(seconds=2)
# The columns a page reads (with its account's identifier, annotated): matching (adoption
# included), order_changes' diff and the write.
# Any other field would be loaded row by row: tests/orders/sync/test_page_writes.py counts the
# queries of a page that changes everything.
ORDER_FIELDS = (
    "reference_order_id",
    "external_ref_id",
    "state",
    "placement_attempts",
    "is_bulk",
    "tango_status",
    "amount_charged_value",
    "amount_charged_fee",
    "amount_charged_total",
    "amount_charged_currency",
    "exchange_rate",
    "tango_created_at",
)
# A one-line order's line: the diff and its timeline row (orders.events.line_item_changed).
LINE_FIELDS = ("order_id", "reference_line_item_id", "line_number", "status")


def sync_orders_window(
    *,
    start: datetime,
    end: datetime,
    report: SyncReport | None = None,
) -> SyncReport:
    """Bring every order Tango created in [start, end] up to date locally.

    A window whose first page reports more than MAX_RESULT_WINDOW matches is split in halves
    (recursively) before paging, so no page ever lies beyond Tango's reachable result window.
    """
    client = get_client()
    report = report or SyncReport()
    chunk_start = start
    while chunk_start < end:
        chunk_end = min(chunk_start + MAX_WINDOW, end)
        _sync_window(client, chunk_start, chunk_end, report)
        chunk_start = chunk_end
    return report


def _sync_window(client: TangoClient, start: datetime, end: datetime, report: SyncReport) -> None:
    page = client.list_orders(
        page=0, elements_per_block=ORDER_PAGE_SIZE, start_date=start, end_date=end
    )
    report.list_calls += 1
    if page.total_count > MAX_RESULT_WINDOW:
        if end - start > MIN_WINDOW:
            middle = start + (end - start) / 2
            _sync_window(client, start, middle, report)
            _sync_window(client, middle, end, report)
            return
        logger.warning(
            "sync: %d orders in %s..%s exceed Tango's result window; syncing the first %d",
            page.total_count,
            start.isoformat(),
            end.isoformat(),
            MAX_RESULT_WINDOW,
        )
    report.windows += 1
    reachable = min(page.total_count, MAX_RESULT_WINDOW)
    seen = 0
    while True:
        apply_tango_orders(page.orders, report=report)
        seen += len(page.orders)
        if not page.orders or seen >= reachable:
            break
        page = client.list_orders(
            page=page.number + 1,
            elements_per_block=ORDER_PAGE_SIZE,
            start_date=start,
            end_date=end,
        )
        report.list_calls += 1


def apply_tango_orders(
    tango_orders: Iterable[TangoOrder],
    *,
    report: SyncReport,
    actor: Actor = SYNC_ACTOR,
    now: datetime | None = None,
) -> None:
    """Upsert one batch of Tango orders: bulk UPDATE the changed rows, import unknown ones."""
    by_ref = {t.reference_order_id: t for t in tango_orders if t.reference_order_id}
    if not by_ref:
        return
    report.seen += len(by_ref)
    now = now or timezone.now()
    ext_ids = [t.external_ref_id for t in by_ref.values() if t.external_ref_id]
    local = list(
        Order.objects.filter(
            Q(reference_order_id__in=list(by_ref)) | Q(external_ref_id__in=ext_ids)
        )
        .only(*ORDER_FIELDS)
        .annotate(sync_account_identifier=F("account__identifier"))
        .order_by()
    )
    by_local_ref = {o.reference_order_id: o for o in local if o.reference_order_id}
    by_local_ext = {o.external_ref_id: o for o in local}

    matched: list[tuple[Order, TangoOrder]] = []
    to_import: list[TangoOrder] = []
    taken_ext_ids: set[str] = set()
    for ref, tango in by_ref.items():
        order = by_local_ref.get(ref)
        if order is None and tango.external_ref_id in by_local_ext:
            candidate = by_local_ext[tango.external_ref_id]
            if candidate.reference_order_id is not None or not _same_account(candidate, tango):
                # Another order: Tango's externalRefID is unique per account, ours globally.
                taken_ext_ids.add(tango.external_ref_id or "")
            elif candidate.state == PlacementState.PLACED:
                order = candidate  # placed, reference not stored yet (e.g. async)
            elif _adoptable(candidate):
                if not _adopt(candidate, tango, report=report, now=now):
                    continue
                order = candidate
            else:
                # Placement is still deciding this order (or a retry is in flight): the placement
                # worker and its sweeper own it until it is PLACED.
                if candidate.state in (PlacementState.WITHDRAWN, PlacementState.REJECTED):
                    logger.warning(
                        "sync: order %s is %s locally but Tango has it as %s; left for staff",
                        candidate.pk,
                        candidate.state,
                        ref,
                    )
                report.skipped += 1
                continue
        if order is None:
            to_import.append(tango)
        else:
            matched.append((order, tango))

    with transaction.atomic():
        rows = _update_matched(matched, report=report, now=now, actor=actor)
        rows += import_orders(to_import, taken_ext_ids, report=report, now=now)
        if rows:
            OrderEvent.objects.bulk_create(rows)
            report.events += len(rows)


def _same_account(order: Order, tango: TangoOrder) -> bool:
    return tango.account_identifier in (None, order.sync_account_identifier)  # type: ignore[attr-defined]


def _adoptable(order: Order) -> bool:
    """Unplaced locally, yet an earlier POST may have reached Tango; nobody is placing it now.

    QUEUED only after an attempt (a never-sent order cannot be at Tango, and placement adopts
    it by itself when it sends); never PLACING: that worker is talking to Tango right now.
    """
    return order.state in ADOPTABLE and (
        order.state != PlacementState.QUEUED or order.placement_attempts > 0
    )


def _adopt(order: Order, tango: TangoOrder, *, report: SyncReport, now: datetime) -> bool:
    """QUEUED / HELD / PLACEMENT_FAILED -> PLACED, claimed on the state we read.

    Its own short transaction, before the page's: the claim fails (and the order is left out
    of this page) if placement or staff moved it meanwhile. The Tango data (status, amounts,
    line item) is written by the page update that follows, like for any placed order.
    """
    old_state = order.state
    # Adoption needs Tango to say which account the order is on (the list view always does).
    adopted = tango.account_identifier is not None and transition_state(
        order_id=order.pk,
        transition=ADOPT,
        expected=old_state,
        actor=SYNC_ACTOR,
        message="Found at Tango: adopted",
        details={
            "reference_order_id": tango.reference_order_id,
            "tango_status": tango.status,
            "placement_attempts": order.placement_attempts,
        },
        reference_order_id=tango.reference_order_id,
        placed_at=tango.created_at or now,
        placing_since=None,
        hold_reason="",
        hold_note="",
        placement_error_key="",
        placement_error="",
    )
    if not adopted:
        report.skipped += 1
        return False
    logger.warning(
        "sync: order %s was %s locally but Tango has it as %s (%s); adopted",
        order.pk,
        old_state,
        tango.reference_order_id,
        tango.status,
    )
    order.state = PlacementState.PLACED
    order.reference_order_id = tango.reference_order_id
    report.adopted += 1
    return True


def _update_matched(
    matched: Sequence[tuple[Order, TangoOrder]],
    *,
    report: SyncReport,
    now: datetime,
    actor: Actor,
) -> list[OrderEvent]:
    if not matched:
        return []
    changed = [changes for order, tango in matched if (changes := order_changes(order, tango))]
    lines = _single_line_changes(matched)
    # The orders this page writes and those whose line statuses change (the facet trigger
    # locks them) locked together, in pk order: the guarded UPDATE locks only the first, and
    # two pages each holding one of them could wait for each other.
    written_ids = {changes.obj.pk for changes in changed}
    if more := orders_to_lock(LineItem, lines) - written_ids:
        lock_orders(more | written_ids)
    # After the writes: only what was really written gets a timeline row.
    written, rows = write_orders(changed, actor=actor, now=now)
    report.updated += written
    bulk_write(LineItem, lines, extra={"updated_at": now}, orders_locked=True)
    return rows + line_item_events(lines, actor=actor, occurred_at=now)


def _single_line_changes(matched: Sequence[tuple[Order, TangoOrder]]) -> list[Changes]:
    """GET /orders carries `lineItemStatus`: keep one-line orders' line item in step with it.

    Multi-line (bulk) orders get their line items from GET /lineItems or /asyncOrders instead,
    where each line has its own status.
    """
    single = {order.pk: tango for order, tango in matched if not order.is_bulk}
    if not single:
        return []
    lines: dict[int, list[LineItem]] = {}
    for line in LineItem.objects.filter(order_id__in=list(single)).only(*LINE_FIELDS).order_by():
        lines.setdefault(line.order_id, []).append(line)
    changed: list[Changes] = []
    for order_id, tango in single.items():
        if len(lines.get(order_id, [])) != 1:
            continue
        line = lines[order_id][0]
        changes = Changes(line)
        if line.reference_line_item_id is None and tango.reference_line_item_id:
            changes.set("reference_line_item_id", tango.reference_line_item_id)
        apply_line_item_status(changes, tango.line_item_status, ident=line.pk)
        if changes:
            changed.append(changes)
    return changed


def fetch_orders_by_reference(references: Sequence[str], *, report: SyncReport) -> None:
    """GET /orders/{id} for a few orders (cheaper than a window for k<10).

    Each answer is applied as soon as it arrives: an answer kept until the others are read
    would be older than it needs to be when written, and a retryable failure mid-way keeps
    the progress made.
    """
    client = get_client()
    for reference in references:
        try:
            fetched = client.get_order(reference)
        except TangoNotFound:
            logger.warning("sync: order %s not found at Tango", reference)
            report.skipped += 1
            fetched = None
        finally:
            report.detail_calls += 1
        if fetched is not None:
            apply_tango_orders([fetched], report=report)


__all__ = [
    "MAX_RESULT_WINDOW",
    "ORDER_PAGE_SIZE",
    "SyncReport",
    "apply_tango_orders",
    "fetch_orders_by_reference",
    "sync_orders_window",
]
