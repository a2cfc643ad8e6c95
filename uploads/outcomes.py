"""What became of each row of an upload: its order, the order's and the reward's statuses as the
sync brings them in, its problems or error. Reads only; the upload's page and its results file
both use it, so they always say the same thing.

A row's reward is its order's line item: an order placed from a row has one line item; should
an order ever carry several rows, the row's line item is the one whose externalRefLineItemID is
the row's externalRefID (`_line_item_of`).

A row is *final* when nothing more will change by itself: it was never placed, its order was
refused, rejected or withdrawn, or Tango settled both the order and the reward. The page polls
while the upload is placing or any row is not final.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.masking import mask_name
from orders.models import LineItem, Order
from orders.statuses import (
    FINAL_ORDER_STATUSES,
    DeliveryMethod,
    LineItemStatus,
    OrderStatus,
    PlacementState,
)
from uploads.models import PlacedRow, Upload, UploadRow
from uploads.rows import row_values

_P = PlacementState
# Not at Tango yet, and something will still happen without anyone acting (or once a manager
# approves or releases it).
OPEN_STATES = (_P.DRAFT, _P.AWAITING_APPROVAL, _P.HELD, _P.QUEUED, _P.PLACING)
# Will not be placed unless a person acts on the order itself.
STOPPED_STATES = (_P.PLACEMENT_FAILED, _P.REJECTED, _P.WITHDRAWN)
WAITING_STATES = (_P.DRAFT, _P.AWAITING_APPROVAL, _P.HELD)
UNSETTLED_LINE = ("", LineItemStatus.PENDING)

FILTERS = {
    "all": "All rows",
    "problems": "Problems",
    "placed": "Placed",
    "failed": "Failed",
}


def _rows_line() -> QuerySet[LineItem]:
    """The row's own line item: its order's only one, or in a bulk order the line whose
    externalRefLineItemID is the row's externalRefID."""
    return LineItem.objects.filter(order_id=OuterRef("order_id")).filter(
        Q(order__is_bulk=False) | Q(external_ref_line_item_id=OuterRef("external_ref_id"))
    )


def _line_failed() -> Exists:
    return Exists(_rows_line().filter(status=LineItemStatus.FAILED))


def _line_unsettled() -> Exists:
    return Exists(_rows_line().filter(status__in=UNSETTLED_LINE))


def failed_q() -> Q:
    """Rows whose order did not deliver: refused, rejected, withdrawn, or FAILED at Tango."""
    return (
        Q(order__state__in=STOPPED_STATES)
        | Q(order__tango_status=OrderStatus.FAILED)
        | Q(_line_failed())
    )


def open_q() -> Q:
    """Rows whose order or reward may still change by itself (the page keeps polling)."""
    at_tango_unsettled = Q(order__state=_P.PLACED) & (
        ~Q(order__tango_status__in=FINAL_ORDER_STATUSES) | Q(_line_unsettled())
    )
    return Q(order__state__in=OPEN_STATES) | at_tango_unsettled


def filtered_rows(upload: Upload, show: str) -> QuerySet[UploadRow]:
    rows = upload.rows.all()
    if show == "problems":
        return rows.filter(valid=False)
    if show == "placed":
        return rows.filter(order__isnull=False)
    if show == "failed":
        return rows.filter(failed_q())
    return rows


def filter_counts(upload: Upload) -> dict[str, int]:
    """How many rows each filter shows (one query)."""
    return upload.rows.aggregate(
        all=Count("pk"),
        problems=Count("pk", filter=Q(valid=False)),
        placed=Count("pk", filter=Q(order__isnull=False)),
        failed=Count("pk", filter=failed_q()),
    )


def is_live(upload: Upload) -> bool:
    """Does the page keep polling: placing, or any row's order or reward not settled yet."""
    if upload.status == Upload.Status.PLACING:
        return True
    if upload.status != Upload.Status.PLACED:
        return False
    return upload.rows.filter(open_q()).exists()


@dataclass(frozen=True)
class Progress:
    """Placement at Tango: rows to place, how many are there, waiting, stopped; the rate so far
    and the finish it gives (None until a row has reached Tango, or once nothing is left)."""

    to_place: int
    created: int
    at_tango: int
    waiting: int
    stopped: int
    remaining: int
    rate_per_minute: float | None
    finish_at: datetime | None

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.at_tango / self.to_place)) if self.to_place else 100


def placement_progress(upload: Upload, now: datetime | None = None) -> Progress:
    now = now or timezone.now()
    counts = upload.rows.aggregate(
        to_place=Count("pk", filter=Q(valid=True, selected=True) | Q(order__isnull=False)),
        created=Count("pk", filter=Q(order__isnull=False)),
        at_tango=Count("pk", filter=Q(order__state=_P.PLACED)),
        waiting=Count("pk", filter=Q(order__state__in=WAITING_STATES)),
        stopped=Count("pk", filter=Q(order__state__in=STOPPED_STATES)),
    )
    remaining = max(
        0, counts["to_place"] - counts["at_tango"] - counts["waiting"] - counts["stopped"]
    )
    rate = finish = None
    started = upload.confirmed_at
    if started and counts["at_tango"]:
        elapsed = max((now - started).total_seconds(), 1.0)
        per_second = counts["at_tango"] / elapsed
        rate = per_second * 60
        if remaining:
            finish = now + timedelta(seconds=remaining / per_second)
    return Progress(**counts, remaining=remaining, rate_per_minute=rate, finish_at=finish)


@dataclass(frozen=True)
class RowOutcome:
    """One row as the page and the results file show it."""

    row: UploadRow
    result: str  # see RESULTS
    order: Order | None
    earlier: PlacedRow | None  # the placement an "already placed" row repeats
    placement: str  # our placement state's label ("" before an order exists)
    order_status: str  # Tango's, as stored ("" until Tango has the order)
    line_item_status: str
    delivery_status: str  # email status for email rewards, Tango's deliveryStatus otherwise
    error: str
    final: bool
    recipient: str  # masked as on every page (core.masking): "Jane D."
    reward: str  # "U100001 · 25.00 USD"

    @property
    def result_label(self) -> str:
        return RESULTS[self.result]

    @property
    def shown_order(self) -> Order | None:
        return self.order or (self.earlier.order if self.earlier else None)


RESULTS = {
    "problems": "Not placed: problems",
    "already_placed": "Already placed",
    "not_placed": "Not placed yet",
    "not_selected": "Not placed: left out of the selection",
    "placing": "Being placed",
    "waiting": "Waiting for approval",
    "held": "Held",
    "placed": "Placed",
    "failed": "Failed",
}


def row_outcomes(upload: Upload, rows: Iterable[UploadRow]) -> list[RowOutcome]:
    """The outcomes of `rows` (of `upload`) with three queries: orders, line items, earlier
    placements of the rows already placed elsewhere."""
    rows = list(rows)
    orders = {
        o.pk: o
        for o in Order.objects.filter(pk__in=[r.order_id for r in rows if r.order_id]).only(
            "pk",
            "external_ref_id",
            "reference_order_id",
            "state",
            "tango_status",
            "placement_error",
            "placement_error_key",
            "delivery_method",
            "placed_at",
        )
    }
    duplicates = [r.external_ref_id for r in rows if not r.order_id and _already_placed(r)]
    earlier = {
        p.external_ref_id: p
        for p in PlacedRow.objects.filter(external_ref_id__in=duplicates).select_related(
            "order", "placed_by"
        )
    }
    order_ids = set(orders) | {p.order_id for p in earlier.values()}
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    # A bulk order carries many rows: only the lines of these rows (by externalRefLineItemID).
    refs = [r.external_ref_id for r in rows]
    wanted = Q(order__is_bulk=False) | Q(external_ref_line_item_id__in=refs)
    for line in LineItem.objects.filter(wanted, order_id__in=order_ids).values(
        "order_id",
        "external_ref_line_item_id",
        "status",
        "email_status",
        "delivery_status",
        "delivery_method",
        "errors",
    ):
        lines[line["order_id"]].append(line)
    return [
        _outcome(
            upload,
            row,
            orders.get(row.order_id) if row.order_id else None,
            earlier.get(row.external_ref_id),
            lines,
        )
        for row in rows
    ]


def _unplaced(upload: Upload, row: UploadRow) -> str:
    placing = upload.status in (Upload.Status.PLACING, Upload.Status.PLACED)
    return "not_selected" if placing and not row.selected else "not_placed"


def _already_placed(row: UploadRow) -> bool:
    return any(p.get("kind") == "already_placed" for p in row.problems)


def _line_item_of(row: UploadRow, lines: list[dict[str, Any]]) -> dict[str, Any] | None:
    if len(lines) == 1:
        return lines[0]
    return next(
        (li for li in lines if li["external_ref_line_item_id"] == row.external_ref_id), None
    )


def _delivery_status(line: dict[str, Any]) -> str:
    if line["delivery_method"] == DeliveryMethod.EMAIL and line["email_status"]:
        return line["email_status"]
    return line["delivery_status"] or line["email_status"]


def _messages(items: Iterable[dict[str, Any]], prefix: str = "") -> list[str]:
    return [f"{prefix}{item.get('message', '')}" for item in items if item.get("message")]


def _outcome(
    upload: Upload,
    row: UploadRow,
    order: Order | None,
    earlier: PlacedRow | None,
    lines: dict[int, list[dict[str, Any]]],
) -> RowOutcome:
    said = _messages(row.problems) + _messages(row.warnings, "Warning: ")
    values = row_values(upload, row)
    money = f"{row.amount} {row.currency}".strip() if row.amount is not None else ""
    shown_as = {
        "recipient": mask_name(
            values.get("recipient_first_name"), values.get("recipient_last_name")
        ),
        "reward": " · ".join(p for p in (values.get("utid", "").strip(), money) if p),
    }
    shown = order or (earlier.order if earlier else None)
    line = _line_item_of(row, lines.get(shown.pk, [])) if shown else None
    statuses = {
        "placement": shown.get_state_display() if shown else "",
        "order_status": shown.tango_status if shown else "",
        "line_item_status": line["status"] if line else "",
        "delivery_status": _delivery_status(line) if line else "",
    }
    if shown is not None:
        if shown.state == _P.PLACEMENT_FAILED and shown.placement_error:
            key = f" ({shown.placement_error_key})" if shown.placement_error_key else ""
            said.append(f"Placement failed{key}: {shown.placement_error}")
        if line:
            said.extend(_messages(line["errors"]))
    if order is None:
        result = "already_placed" if earlier or _already_placed(row) else None
        result = result or ("problems" if not row.valid else _unplaced(upload, row))
        # An earlier order shown for a duplicate is followed on that row's own upload.
        return RowOutcome(
            row, result, None, earlier, **statuses, error="; ".join(said), final=True, **shown_as
        )
    failed = (
        order.state in STOPPED_STATES
        or order.tango_status == OrderStatus.FAILED
        or statuses["line_item_status"] == LineItemStatus.FAILED
    )
    if failed:
        result = "failed"
    elif order.state == _P.PLACED:
        result = "placed"
    elif order.state == _P.AWAITING_APPROVAL:
        result = "waiting"
    elif order.state == _P.HELD:
        result = "held"
    else:
        result = "placing"
    settled = (
        order.state == _P.PLACED
        and order.tango_status in FINAL_ORDER_STATUSES
        and statuses["line_item_status"] not in UNSETTLED_LINE
    )
    final = order.state in STOPPED_STATES or settled
    return RowOutcome(
        row, result, order, None, **statuses, error="; ".join(said), final=final, **shown_as
    )
