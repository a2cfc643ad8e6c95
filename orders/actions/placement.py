"""Placing orders at Tango exactly once (POST /orders; bulk orders: bulk_placement.py).

How "exactly once" holds (TANGO_API.md §11):

* The externalRefID is generated when the order row is created, in the same transaction, and
  never changes (orders/actions/entry.py); Tango keeps one order per externalRefID per account
  (201 new, 200 existing).
* The placement task is enqueued only after that transaction commits, with the order id.
* A worker claims the order with a conditional UPDATE (the `claim` transition, QUEUED ->
  PLACING); duplicate deliveries of the task lose the claim and do nothing.
* No transaction or row lock is held while we talk to Tango: claim, call, write back.
* Every attempt after the first asks Tango for the externalRefID before creating, so an order
  whose response was lost (timeout, 5xx after commit, worker killed mid-call) is adopted, not
  re-created; and if it is created again anyway, Tango's idempotency answers 200 (or 409.024
  "already exists", answered the same way: look it up and adopt).
* Bulk orders take their own path (POST /asyncOrders): every enqueue goes through
  `enqueue_placement`, which picks the task, and `place_order` refuses them. The claim and the
  write-backs both paths share live here.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import jobs
from core.actor import Actor, ActorPath
from orders import events
from orders.actions.payloads import create_order_fields
from orders.models import LineItem, Order
from orders.state import transition_state
from orders.statuses import CLAIM, FAIL, HOLD_FOR_FUNDS, MARK_PLACED, REQUEUE, HoldReason
from orders.statuses import PlacementState as _P
from tango.client import TangoClient, get_client
from tango.errors import (
    TangoAlreadyExists,
    TangoError,
    TangoInsufficientFunds,
    TangoRejected,
    TangoUnavailable,
)
from tango.rate_limit import wait_for_order_slot
from tango.types import TangoOrder

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
WORKER = Actor.system(ActorPath.WORKER)  # placement runs in a task, for nobody in particular


class Outcome(enum.StrEnum):
    PLACED = "placed"  # Tango created it now (201)
    ADOPTED = "adopted"  # it already existed at Tango (lookup or 200): an earlier attempt won
    HELD = "held"  # 402 insufficient funds
    FAILED = "failed"  # any other final rejection
    NOT_CLAIMED = "not_claimed"  # not QUEUED any more: another delivery has it, or staff moved it
    REFUSED = "refused"  # the wrong path for this order (a bulk order on the single-order task)


@dataclass(frozen=True)
class PlacementOutcome:
    outcome: Outcome
    order_id: int
    reference_order_id: str | None = None
    message: str = ""


def enqueue_placement(order_id: int, *, is_bulk: bool | None = None) -> None:
    """Queue the order's placement task once the current transaction commits (never before).

    The one way every caller (create, submit, release, the sweeper) enqueues a placement: a bulk
    order must go to POST /asyncOrders (place_bulk_order_task); the single-order task would send
    line 1 with the bulk total. `is_bulk` saves the read when the caller already knows it.
    """
    is_reissue = False
    if is_bulk is None:
        is_bulk, reissue_of = (
            Order.objects.filter(pk=order_id).values_list("is_bulk", "reissue_of_id").get()
        )
        is_reissue = reissue_of is not None
    if is_reissue:  # an approved reissue: POST /lineItems/{id}/reissue, never POST /orders
        jobs.enqueue("entry.tasks.place_reissue_task", order_id=order_id)
    elif is_bulk:
        jobs.enqueue("orders.tasks.sync.place_bulk_order_task", order_id=order_id)
    else:
        jobs.enqueue("orders.tasks.placement.place_order_task", order_id=order_id)


# --- placing orders (called by the task; never inside a transaction) -------------------------


def place_order(*, order_id: int) -> PlacementOutcome:
    """Claim a QUEUED order, send it to Tango, write the result back.

    Raises TangoUnavailable / TangoAuthError after putting the order back to QUEUED, so the
    task can retry it later. Final outcomes are returned, not raised. A bulk order is refused
    (REFUSED, nothing sent): it is placed through POST /asyncOrders (bulk_placement).
    """
    if Order.objects.filter(pk=order_id, reissue_of__isnull=False).exists():
        # An approved reissue (the sweeper re-enqueued it): its own task, never POST /orders.
        jobs.enqueue("entry.tasks.place_reissue_task", order_id=order_id)
        return PlacementOutcome(Outcome.REFUSED, order_id, message="reissue")
    if Order.objects.filter(pk=order_id, is_bulk=True).exists():
        logger.error(
            "order %s is a bulk order; refusing to place it through POST /orders "
            "(only bulk_placement.place_bulk_order may place it)",
            order_id,
        )
        return PlacementOutcome(Outcome.REFUSED, order_id, message="bulk order")
    if not claim_for_placement(order_id):
        return PlacementOutcome(Outcome.NOT_CLAIMED, order_id)
    order = Order.objects.select_related("account", "customer").get(pk=order_id)
    line_item = order.line_items.get(line_number=1)
    answer = call_tango(order_id, partial(_send, get_client(), order, line_item))
    if isinstance(answer, PlacementOutcome):
        return answer
    tango_order, outcome = answer
    _finish_placed(order, line_item, tango_order, outcome)
    return PlacementOutcome(outcome, order_id, reference_order_id=tango_order.reference_order_id)


def call_tango(order_id: int, send: Callable[[], _T]) -> _T | PlacementOutcome:
    """Run the claimed order's Tango call: its answer, or the final outcome of a rejection.

    A rejection is written back (402 holds the order, anything else fails it). Any other error
    gives the order back to QUEUED and is re-raised: TangoUnavailable / TangoAuthError for the
    task to retry, anything else (a bug, the worker shutting down) for the sweeper. Safe even
    if the POST went through: a retry re-sends the same externalRefID or looks it up first.
    """
    try:
        return send()
    except TangoRejected as exc:
        held = isinstance(exc, TangoInsufficientFunds)
        finish_rejected(order_id, exc, held=held)
        return PlacementOutcome(
            Outcome.HELD if held else Outcome.FAILED, order_id, message=exc.message
        )
    except BaseException as exc:
        requeue_after_error(order_id, exc)
        raise


def claim_for_placement(order_id: int) -> bool:
    """QUEUED -> PLACING, counting the attempt. False: another delivery or staff has it."""
    return transition_state(
        order_id=order_id,
        transition=CLAIM,
        actor=WORKER,
        placement_attempts=F("placement_attempts") + 1,
        placing_since=timezone.now(),
    )


def _send(client: TangoClient, order: Order, line_item: LineItem) -> tuple[TangoOrder, Outcome]:
    def look_up() -> TangoOrder | None:
        return client.find_order_by_external_ref(
            external_ref_id=order.external_ref_id, account_identifier=order.account.identifier
        )

    if order.placement_attempts > 1:
        # An earlier attempt may have reached Tango and lost the answer: look first.
        found = look_up()
        if found is not None:
            return found, Outcome.ADOPTED
    fields = create_order_fields(order, line_item)
    wait_for_order_slot()  # last thing before the POST: it stamps our send time
    try:
        result = client.create_order(**fields)
    except TangoAlreadyExists:
        # 409.024 instead of the usual 200: the order is there all the same.
        found = look_up()
        if found is None:
            raise  # not under this account after all: a final rejection staff must see
        return found, Outcome.ADOPTED
    return result.order, Outcome.PLACED if result.created else Outcome.ADOPTED


def _finish_placed(
    order: Order, line_item: LineItem, tango_order: TangoOrder, outcome: Outcome
) -> None:
    charged = tango_order.amount_charged
    denomination = tango_order.denomination
    now = timezone.now()
    with transaction.atomic():
        moved = mark_placed(
            order.pk,
            message=(
                f"Placed at Tango as {tango_order.reference_order_id}"
                if outcome == Outcome.PLACED
                else f"Found at Tango as {tango_order.reference_order_id} (earlier attempt)"
            ),
            details={"outcome": str(outcome), "attempt": order.placement_attempts},
            reference_order_id=tango_order.reference_order_id,
            tango_status=tango_order.status or "",
            amount_charged_value=charged.value if charged else None,
            amount_charged_fee=charged.fee if charged else None,
            amount_charged_total=charged.total if charged else None,
            amount_charged_currency=(charged.currency_code or "") if charged else "",
            exchange_rate=charged.exchange_rate if charged else None,
            tango_created_at=tango_order.created_at,
            placed_at=now,
            last_synced_at=now,
        )
        if not moved:
            logger.warning("order %s placed at Tango but no longer ours to write", order.pk)
            return
        # POST /orders does not say the email, reward status or whether a cancel is allowed;
        # the line-item read does: re-read the order once, after this commit.
        jobs.enqueue("orders.tasks.sync.refresh_order_task", order_id=order.pk)
        LineItem.objects.filter(pk=line_item.pk).update(
            reference_line_item_id=tango_order.reference_line_item_id,
            status=tango_order.line_item_status or "",
            reward_name=tango_order.reward_name or line_item.reward_name,
            delivery_method=tango_order.delivery_method or line_item.delivery_method,
            denomination_value=denomination.value if denomination else None,
            denomination_currency=(denomination.currency_code or "") if denomination else "",
            amount_charged_total=charged.total if charged else None,
            date_issued=tango_order.created_at,
            updated_at=now,
        )
        events.tango_status_changed(
            order=order.pk,
            actor=WORKER,
            old_status="",
            new_status=tango_order.status or "",
            message=f"Tango order status {tango_order.status}",
        )
    logger.info(
        "order %s %s at Tango as %s (%s, attempt %s)",
        order.pk,
        outcome,
        tango_order.reference_order_id,
        tango_order.status,
        order.placement_attempts,
    )


def mark_placed(order_id: int, *, message: str, details: dict[str, Any], **fields: Any) -> bool:
    """Tango has the order: the `mark_placed` transition, clearing the placement bookkeeping.
    False when it is no longer ours to write (placed, withdrawn)."""
    return transition_state(
        order_id=order_id,
        transition=MARK_PLACED,
        actor=WORKER,
        message=message,
        details=details,
        placing_since=None,
        placement_error_key="",
        placement_error="",
        hold_reason="",
        hold_note="",
        **fields,
    )


def finish_rejected(order_id: int, exc: TangoRejected, *, held: bool) -> None:
    """PLACING -> HELD (402: insufficient funds) or PLACEMENT_FAILED, with Tango's words."""
    fields: dict[str, Any] = {
        "placing_since": None,
        "placement_error_key": (exc.i18n_key or "")[:20],
        "placement_error": str(exc),
    }
    if held:
        fields.update(hold_reason=HoldReason.INSUFFICIENT_FUNDS, hold_note=exc.message[:500])
    transition_state(
        order_id=order_id,
        transition=HOLD_FOR_FUNDS if held else FAIL,
        expected=_P.PLACING,
        actor=WORKER,
        message=(f"Insufficient funds: {exc.message}" if held else str(exc)),
        details={"i18n_key": exc.i18n_key, "status_code": exc.status_code},
        **fields,
    )
    logger.info("order %s %s by Tango: %r", order_id, "held" if held else "rejected", exc)


def requeue_after_error(order_id: int, exc: BaseException) -> None:
    """PLACING -> QUEUED after a failed attempt; the caller re-raises for the task to retry."""
    # Tango being briefly unavailable is routine; bad credentials or a bug need a person.
    expected = isinstance(exc, TangoUnavailable)
    level = logging.INFO if expected else logging.ERROR
    logger.log(level, "order %s placement attempt failed, requeued: %r", order_id, exc)
    try:
        transition_state(
            order_id=order_id,
            transition=REQUEUE,
            actor=WORKER,
            message=str(exc)[:1000] if isinstance(exc, TangoError) else type(exc).__name__,
            placing_since=None,
        )
    except Exception:  # the database may be what failed; the sweeper re-drives PLACING later
        logger.exception("order %s could not be requeued; leaving it to the sweeper", order_id)
