"""Creating orders and placing them at Tango exactly once.

How "exactly once" holds (TANGO_API.md §11):

* The externalRefID is generated when the order row is created, in the same transaction, and
  never changes; Tango keeps one order per externalRefID per account (201 new, 200 existing).
* The placement task is enqueued only after that transaction commits, with the order id.
* A worker claims the order with a conditional UPDATE (QUEUED -> PLACING); duplicate deliveries
  of the task lose the claim and do nothing.
* No transaction or row lock is held while we talk to Tango: claim, call, write back.
* Every attempt after the first asks Tango for the externalRefID before creating, so an order
  whose response was lost (timeout, 5xx after commit, worker killed mid-call) is adopted, not
  re-created; and if it is created again anyway, Tango's idempotency answers 200 (or 409.024
  "already exists", answered the same way: look it up and adopt).
* Bulk orders take their own path (POST /asyncOrders, orders/services/bulk.py): every enqueue
  goes through `enqueue_placement`, which picks the task, and `place_order` refuses them. The
  claim, the write-backs and the request pieces both paths share live here.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from audit.services import record_action
from core import jobs, phones
from orders.models import Account, CatalogItem, LineItem, Order, OrderEvent
from orders.services.timeline import actor_or_none, record_event, transition_state
from orders.statuses import (
    CREATE_DELIVERY_METHODS,
    PHYSICAL_DELIVERY_METHODS,
    AccountStatus,
    DeliveryMethod,
    EventSource,
    HoldReason,
    PlacementState,
    ValueType,
)
from tango.client import TangoClient, get_client
from tango.errors import (
    TangoAlreadyExists,
    TangoError,
    TangoInsufficientFunds,
    TangoRejected,
    TangoUnavailable,
)
from tango.rate_limit import wait_for_order_slot
from tango.types import Address, Recipient, Sender, TangoOrder

logger = logging.getLogger(__name__)

_P = PlacementState
_T = TypeVar("_T")
ADDRESS_KEYS = ("company", "street1", "street2", "city", "state", "postal_code", "country")
_ADDRESS_REQUIRED = ("street1", "city", "state", "postal_code", "country")
# Tango requires recipient details for these; NONE/EMBEDDED only store them (§4.1).
_NEEDS_RECIPIENT = frozenset(
    {DeliveryMethod.EMAIL, DeliveryMethod.PHONE, DeliveryMethod.WHATSAPP, DeliveryMethod.ADDRESS}
)
# Catalog attribute a delivery method needs (NONE only needs a digital item).
_CHANNEL_FOR_METHOD = {
    DeliveryMethod.EMAIL: "EMAIL",
    DeliveryMethod.PHONE: "PHONE",
    DeliveryMethod.WHATSAPP: "PHONE",
    DeliveryMethod.ADDRESS: "ADDRESS",
    DeliveryMethod.EMBEDDED: "EMBEDDED",
    DeliveryMethod.EMBEDDED_COMPONENT: "EMBEDDED",
}


class PlacementValidationError(ValueError):
    """The order cannot be sent to Tango as entered; the message is for the person entering it."""


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


# Tango answered that it has the order: adopt it from any state an unplaced order can be in
# meanwhile. QUEUED: the sweeper re-queued a slow (not dead) attempt; HELD / PLACEMENT_FAILED:
# someone gave up on it while an earlier POST was still on its way. Tango has it regardless.
ANSWER_ADOPTED_FROM = frozenset({_P.PLACING, _P.QUEUED, _P.HELD, _P.PLACEMENT_FAILED})

MAY_BE_AT_TANGO = (
    "This order may already be at Tango (a placement attempt was made); refresh or wait for "
    "the next sync"
)


@dataclass(frozen=True)
class SweepResult:
    requeued_placing: int
    reenqueued_queued: int


# --- creating orders --------------------------------------------------------------------------


def new_external_ref_id() -> str:
    return f"{settings.TANGO_EXTERNAL_REF_PREFIX}-{uuid.uuid4().hex}"


def create_order(
    *,
    account: Account,
    utid: str,
    amount: Decimal | str | int,
    delivery_method: str,
    recipient_first_name: str,
    recipient_last_name: str = "",
    recipient_email: str = "",
    recipient_mobile: str = "",
    address: Mapping[str, str] | None = None,
    sender_first_name: str = "",
    sender_last_name: str = "",
    sender_email: str = "",
    email_subject: str = "",
    message: str = "",
    etid: str = "",
    campaign: str = "",
    notes: str = "",
    purchase_order_number: str = "",
    acting_user: Any,
    submit: bool = True,
) -> Order:
    """Validate and store a single-reward order; with `submit`, queue it for placement.

    Keys of `address`: company, street1, street2, city, state, postal_code, country.
    Raises PlacementValidationError with a message staff can act on.
    """
    amount = parse_amount(amount)
    address = {key: str((address or {}).get(key) or "").strip() for key in ADDRESS_KEYS}
    catalog_item = CatalogItem.objects.filter(utid__iexact=utid).first()
    validate(
        account=account,
        catalog_item=catalog_item,
        amount=amount,
        delivery_method=delivery_method,
        first_name=recipient_first_name,
        last_name=recipient_last_name,
        email=recipient_email,
        mobile=recipient_mobile,
        address=address,
    )
    with transaction.atomic():
        order = Order.objects.create(
            external_ref_id=new_external_ref_id(),
            customer_id=account.customer_id,
            account=account,
            amount=amount,
            currency=catalog_item.currency if catalog_item else account.currency,
            state=_P.QUEUED if submit else _P.DRAFT,
            delivery_method=delivery_method,
            sender_first_name=sender_first_name,
            sender_last_name=sender_last_name,
            sender_email=sender_email,
            email_subject=email_subject,
            message=message,
            etid=etid,
            campaign=campaign,
            notes=notes,
            purchase_order_number=purchase_order_number,
            created_by=actor_or_none(acting_user),
        )
        LineItem.objects.create(
            order=order,
            line_number=1,
            catalog_item=catalog_item,
            utid=catalog_item.utid if catalog_item else utid.upper(),
            reward_name=catalog_item.reward_name if catalog_item else "",
            amount=amount,
            currency=order.currency,
            delivery_method=delivery_method,
            **recipient_fields(
                first_name=recipient_first_name,
                last_name=recipient_last_name,
                email=recipient_email,
                mobile=recipient_mobile,
                address=address,
            ),
        )
        record_event(
            order=order,
            kind=OrderEvent.Kind.CREATED,
            source=_source(acting_user),
            new_status=order.state,
            acting_user=acting_user,
            message=f"Created with externalRefID {order.external_ref_id}",
        )
        _audit(acting_user, "order.create", order, after={"state": order.state})
        if submit:
            enqueue_placement(order.pk)
    return order


def submit_order(*, order_id: int, acting_user: Any) -> bool:
    """DRAFT -> QUEUED and enqueue after commit. False when it was not a draft any more."""
    with transaction.atomic():
        moved = transition_state(
            order_id=order_id,
            expected=_P.DRAFT,
            new=_P.QUEUED,
            source=_source(acting_user),
            acting_user=acting_user,
            message="Submitted for placement",
        )
        if moved:
            _audit_by_id(acting_user, "order.submit", order_id, _P.DRAFT, _P.QUEUED)
            enqueue_placement(order_id)
    return moved


def hold_order(*, order_id: int, acting_user: Any, reason: HoldReason | str, note: str) -> bool:
    """Stop an unplaced order from being placed. False when it is already held.

    Raises PlacementValidationError when it is too late (placing, placed), too final, or when
    a placement attempt was made: that POST may have created the order at Tango with its
    answer lost, and holding would hide it (the sync adopts such orders instead).
    A task already in the queue for it will lose its claim and do nothing.
    """
    holdable = {_P.DRAFT, _P.AWAITING_APPROVAL, _P.QUEUED}
    with transaction.atomic():
        # Locked: a worker's claim (which counts the attempt) waits until we have decided.
        state, attempts = (
            Order.objects.select_for_update()
            .filter(pk=order_id)
            .values_list("state", "placement_attempts")
            .get()
        )
        if state in holdable and attempts > 0:
            raise PlacementValidationError(f"{MAY_BE_AT_TANGO}.")
        moved = transition_state(
            order_id=order_id,
            expected=holdable,
            new=_P.HELD,
            source=_source(acting_user),
            acting_user=acting_user,
            kind=OrderEvent.Kind.HELD,
            message=note,
            details={"reason": str(reason)},
            hold_reason=reason,
            hold_note=note[:500],
        )
        if moved:
            _audit_by_id(acting_user, "order.hold", order_id, state, _P.HELD, reason=note)
            return True
    current = Order.objects.filter(pk=order_id).values_list("state", flat=True).get()
    if current == _P.HELD:
        return False
    raise PlacementValidationError(
        f"This order is {_P(current).label.lower()}; only orders not yet sent to Tango can be held."
    )


def release_order(*, order_id: int, acting_user: Any, note: str = "") -> bool:
    """HELD (or PLACEMENT_FAILED, as a retry) -> QUEUED, enqueued after commit.

    Safe to retry a failed order: the externalRefID is unchanged, so Tango cannot create a
    second order for it. Returns False, enqueuing nothing, when the order is no longer in one
    of those states (a double click, a second tab).
    """
    with transaction.atomic():
        state = Order.objects.filter(pk=order_id).values_list("state", flat=True).get()
        if state not in (_P.HELD, _P.PLACEMENT_FAILED):
            return False
        moved = transition_state(
            order_id=order_id,
            expected=state,
            new=_P.QUEUED,
            source=_source(acting_user),
            acting_user=acting_user,
            kind=OrderEvent.Kind.RELEASED,
            message=note or ("Released" if state == _P.HELD else "Placement retried"),
            hold_reason="",
            hold_note="",
            placement_error_key="",
            placement_error="",
        )
        if moved:
            _audit_by_id(acting_user, "order.release", order_id, state, _P.QUEUED, reason=note)
            enqueue_placement(order_id)
    return moved


def enqueue_placement(order_id: int, *, is_bulk: bool | None = None) -> None:
    """Queue the order's placement task once the current transaction commits (never before).

    The one way every caller (create, submit, release, the sweeper) enqueues a placement: a bulk
    order must go to POST /asyncOrders (place_bulk_order_task); the single-order task would send
    line 1 with the bulk total. `is_bulk` saves the read when the caller already knows it.
    """
    if is_bulk is None:
        is_bulk = Order.objects.filter(pk=order_id).values_list("is_bulk", flat=True).get()
    if is_bulk:
        jobs.enqueue("orders.tasks.sync.place_bulk_order_task", order_id=order_id)
    else:
        jobs.enqueue("orders.tasks.placement.place_order_task", order_id=order_id)


# --- placing orders (called by the task; never inside a transaction) -------------------------


def place_order(*, order_id: int) -> PlacementOutcome:
    """Claim a QUEUED order, send it to Tango, write the result back.

    Raises TangoUnavailable / TangoAuthError after putting the order back to QUEUED, so the
    task can retry it later. Final outcomes are returned, not raised. A bulk order is refused
    (REFUSED, nothing sent): it is placed through POST /asyncOrders (bulk.place_bulk_order).
    """
    if Order.objects.filter(pk=order_id, is_bulk=True).exists():
        logger.error(
            "order %s is a bulk order; refusing to place it through POST /orders "
            "(only bulk.place_bulk_order may place it)",
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
        expected=_P.QUEUED,
        new=_P.PLACING,
        source=EventSource.WORKER,
        kind=OrderEvent.Kind.PLACEMENT_ATTEMPT,
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
    fields = _create_fields(order, line_item)
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


def tango_recipient(line_item: LineItem) -> Recipient:
    """The line's recipient (and mailing address) as Tango takes it."""
    address = None
    if line_item.address_street1:
        address = Address(
            company_name=line_item.address_company or None,
            street_line1=line_item.address_street1,
            street_line2=line_item.address_street2 or None,
            city=line_item.address_city,
            state_or_province=line_item.address_state,
            postal_code=line_item.address_postal_code,
            country=line_item.address_country,
        )
    return Recipient(
        first_name=line_item.recipient_first_name or None,
        last_name=line_item.recipient_last_name or None,
        email=line_item.recipient_email or None,
        mobile_number=line_item.recipient_mobile or None,
        address=address,
    )


def recipient_fields(
    *, first_name: str, last_name: str, email: str, mobile: str, address: Mapping[str, str]
) -> dict[str, str]:
    """LineItem's recipient and mailing-address columns from entered (validated) values.

    A mobile number the phone rule accepts is stored in E.164 (what Tango expects).
    """
    return {
        "recipient_first_name": first_name,
        "recipient_last_name": last_name,
        "recipient_email": email,
        "recipient_mobile": phones.as_e164(mobile),
        **{f"address_{key}": address[key] for key in ADDRESS_KEYS if key != "country"},
        "address_country": address["country"].upper(),
    }


def tango_sender(order: Order) -> Sender | None:
    if not (order.sender_first_name or order.sender_last_name or order.sender_email):
        return None
    return Sender(
        first_name=order.sender_first_name or None,
        last_name=order.sender_last_name or None,
        email=order.sender_email or None,
    )


def _create_fields(order: Order, line_item: LineItem) -> dict[str, Any]:
    recipient = None
    if line_item.recipient_first_name or line_item.recipient_email or line_item.address_street1:
        recipient = tango_recipient(line_item)
    optional = {
        "email_subject": order.email_subject,
        "message": order.message,
        "etid": order.etid,
        "campaign": order.campaign,
        "notes": order.notes,
        "purchase_order_number": order.purchase_order_number,
    }
    return {
        "customer_identifier": order.customer.identifier,
        "account_identifier": order.account.identifier,
        "utid": line_item.utid,
        "amount": order.amount,
        "delivery_method": order.delivery_method,
        "external_ref_id": order.external_ref_id,
        "recipient": recipient,
        "sender": tango_sender(order),
        **{key: value for key, value in optional.items() if value},
    }


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
        record_event(
            order=order.pk,
            kind=OrderEvent.Kind.STATUS_CHANGED,
            source=EventSource.WORKER,
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
    """Tango has the order: -> PLACED from any state in ANSWER_ADOPTED_FROM, clearing the
    placement bookkeeping. False when it is no longer ours to write (placed, withdrawn)."""
    return transition_state(
        order_id=order_id,
        expected=ANSWER_ADOPTED_FROM,
        new=_P.PLACED,
        source=EventSource.WORKER,
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
        expected=_P.PLACING,
        new=_P.HELD if held else _P.PLACEMENT_FAILED,
        source=EventSource.WORKER,
        kind=OrderEvent.Kind.HELD if held else OrderEvent.Kind.PLACEMENT_FAILED,
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
            expected=_P.PLACING,
            new=_P.QUEUED,
            source=EventSource.WORKER,
            message=str(exc)[:1000] if isinstance(exc, TangoError) else type(exc).__name__,
            placing_since=None,
        )
    except Exception:  # the database may be what failed; the sweeper re-drives PLACING later
        logger.exception("order %s could not be requeued; leaving it to the sweeper", order_id)


# --- the sweeper -----------------------------------------------------------------------------


def sweep_stuck_placements(
    *,
    placing_stale_after: timedelta | None = None,
    queued_stale_after: timedelta | None = None,
    now: Any = None,
) -> SweepResult:
    """Re-drive orders whose task was lost (worker killed, broker message gone).

    * PLACING since before `placing_stale_after`: the worker died mid-call -> QUEUED + enqueue.
      Safe even if it is only slow: the next attempt looks the order up at Tango first.
    * QUEUED and untouched for `queued_stale_after` -> enqueue again, but only with evidence
      that its message is gone, because a long backlog at 1 order/s is not "stuck" (see
      `_lost_queued`). The claim makes an extra delivery harmless anyway.
    """
    now = now or timezone.now()
    placing_stale_after = placing_stale_after or timedelta(
        seconds=getattr(settings, "PLACEMENT_PLACING_STALE_SECONDS", 300)
    )
    queued_stale_after = queued_stale_after or timedelta(
        seconds=getattr(settings, "PLACEMENT_QUEUED_STALE_SECONDS", 600)
    )
    requeued = 0
    stale_placing = Order.objects.filter(
        state=_P.PLACING, placing_since__lt=now - placing_stale_after
    ).values_list("pk", "is_bulk")
    for order_id, is_bulk in list(stale_placing):
        with transaction.atomic():
            if transition_state(
                order_id=order_id,
                expected=_P.PLACING,
                new=_P.QUEUED,
                source=EventSource.SYSTEM,
                message="No answer from the worker placing this order; placing it again",
                placing_since=None,
            ):
                enqueue_placement(order_id, is_bulk=is_bulk)
                requeued += 1

    reenqueue = _lost_queued(now=now, cutoff=now - queued_stale_after)
    if reenqueue:
        bulk_ids = set(
            Order.objects.filter(pk__in=reenqueue, is_bulk=True).values_list("pk", flat=True)
        )
        with transaction.atomic():
            # Touch updated_at so each order is re-driven at most once per period.
            Order.objects.filter(pk__in=reenqueue, state=_P.QUEUED).update(updated_at=now)
            for order_id in reenqueue:
                enqueue_placement(order_id, is_bulk=order_id in bulk_ids)
    if requeued or reenqueue:
        logger.warning(
            "sweeper: %s placing order(s) requeued, %s queued order(s) re-enqueued",
            requeued,
            len(reenqueue),
        )
    return SweepResult(requeued_placing=requeued, reenqueued_queued=len(reenqueue))


def _lost_queued(*, now: Any, cutoff: Any, limit: int = 5000) -> list[int]:
    """QUEUED orders untouched since `cutoff` whose broker message is most likely gone.

    The queue is FIFO and `updated_at` of a QUEUED order is when it was (re-)enqueued, so:
    * overtaken: an order created after it was placed by us before `cutoff`; its own message
      should have been delivered first. Only orders with a placement attempt count: an order
      the sync imported has created_at = import time but placed_at = Tango's (older) time;
    * stalled: no placement attempt at all since `cutoff`, yet it waits;
    * a retry (attempts > 0) older than the longest retry countdown plus `cutoff`: the
      countdown message was held by a worker that died.
    """
    rows = list(
        Order.objects.filter(state=_P.QUEUED, updated_at__lt=cutoff)
        .order_by("updated_at", "pk")
        .values_list("pk", "updated_at", "placement_attempts")[:limit]
    )
    if not rows:
        return []
    overtaken_before = Order.objects.filter(
        created_at__gt=rows[0][1], placed_at__lt=cutoff, placement_attempts__gt=0
    ).aggregate(newest=Max("created_at"))["newest"]
    stalled = not OrderEvent.objects.filter(
        kind=OrderEvent.Kind.PLACEMENT_ATTEMPT, occurred_at__gte=cutoff
    ).exists()
    retry_cutoff = cutoff - timedelta(seconds=jobs.max_retry_countdown())
    return [
        pk
        for pk, updated_at, attempts in rows
        if stalled
        or (overtaken_before is not None and updated_at < overtaken_before)
        or (attempts > 0 and updated_at < retry_cutoff)
    ]


# --- validation and small helpers ------------------------------------------------------------


def parse_amount(amount: Decimal | str | int) -> Decimal:
    """The entered amount as a positive Decimal with 2 places, or PlacementValidationError."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise PlacementValidationError(f"Amount {amount!r} is not a number.") from exc
    if not value.is_finite() or value <= 0:
        raise PlacementValidationError("Amount must be greater than zero.")
    if value != value.quantize(Decimal("0.01")):
        raise PlacementValidationError("Amount can have at most 2 decimal places.")
    if value >= Decimal("1000000"):
        raise PlacementValidationError("Amount can have at most 6 digits before the decimal point.")
    return value.quantize(Decimal("0.01"))


def validate(
    *,
    account: Account,
    catalog_item: CatalogItem | None,
    amount: Decimal,
    delivery_method: str,
    first_name: str,
    last_name: str,
    email: str,
    mobile: str,
    address: dict[str, str],
) -> None:
    """Raise PlacementValidationError, in words staff can act on, if Tango would refuse this."""
    if account.status != AccountStatus.ACTIVE:
        raise PlacementValidationError(
            f"Account {account.identifier} is {account.status}; Tango only accepts orders "
            "on ACTIVE accounts."
        )
    if delivery_method not in CREATE_DELIVERY_METHODS:
        raise PlacementValidationError(
            f"Delivery method {delivery_method} cannot be used for a new order; use one of "
            f"{', '.join(sorted(CREATE_DELIVERY_METHODS))}."
        )
    physical = delivery_method in PHYSICAL_DELIVERY_METHODS
    if catalog_item is not None:
        _validate_item(catalog_item, amount, delivery_method)
    if delivery_method in _NEEDS_RECIPIENT and not first_name.strip():
        raise PlacementValidationError("The recipient's first name is required.")
    if delivery_method == DeliveryMethod.EMAIL and not email.strip():
        raise PlacementValidationError("An email address is required for EMAIL delivery.")
    if delivery_method in (DeliveryMethod.PHONE, DeliveryMethod.WHATSAPP) and not (
        phones.is_mobile(mobile)
    ):
        raise PlacementValidationError(
            f"A mobile number in international format (e.g. {phones.EXAMPLE}) is required for "
            f"{delivery_method} delivery."
        )
    if physical:
        if not last_name.strip():
            raise PlacementValidationError("The recipient's last name is required for mail.")
        missing = [key.replace("_", " ") for key in _ADDRESS_REQUIRED if not address[key]]
        if missing:
            raise PlacementValidationError(f"The mailing address needs: {', '.join(missing)}.")
    elif any(address.values()):
        raise PlacementValidationError("A mailing address is only used with ADDRESS delivery.")


def _validate_item(item: CatalogItem, amount: Decimal, delivery_method: str) -> None:
    name = f"{item.reward_name} ({item.utid})"
    if item.status and item.status.lower() != "active":
        raise PlacementValidationError(f"{name} is {item.status} in Tango's catalog.")
    if item.value_type == ValueType.FIXED_VALUE and item.face_value is not None:
        if amount != item.face_value:
            raise PlacementValidationError(
                f"{name} has a fixed value of {item.face_value} {item.currency}; "
                f"the amount must be exactly that."
            )
    else:
        if item.min_value is not None and amount < item.min_value:
            raise PlacementValidationError(
                f"{name} starts at {item.min_value} {item.currency}; {amount} is too low."
            )
        if item.max_value is not None and amount > item.max_value:
            raise PlacementValidationError(
                f"{name} goes up to {item.max_value} {item.currency}; {amount} is too high."
            )
    channels = {str(c).upper() for c in item.delivery_methods or []}
    item_physical = "ADDRESS" in channels
    if delivery_method == DeliveryMethod.NONE:
        if item_physical:
            raise PlacementValidationError(f"{name} is mailed; NONE delivery is not possible.")
    elif channels and _CHANNEL_FOR_METHOD.get(delivery_method) not in channels:
        raise PlacementValidationError(
            f"{name} cannot be delivered by {delivery_method}; it supports "
            f"{', '.join(sorted(channels))}."
        )


def _source(acting_user: Any) -> str:
    is_staff = getattr(acting_user, "is_authenticated", False)
    return EventSource.STAFF if is_staff else EventSource.SYSTEM


def _audit(acting_user: Any, action: str, order: Order, **kwargs: Any) -> None:
    if getattr(acting_user, "is_authenticated", False):
        record_action(acting_user=acting_user, action=action, obj=order, **kwargs)


def _audit_by_id(
    acting_user: Any, action: str, order_id: int, old: str, new: str, reason: str = ""
) -> None:
    if getattr(acting_user, "is_authenticated", False):
        order = Order.objects.get(pk=order_id)
        record_action(
            acting_user=acting_user,
            action=action,
            obj=order,
            before={"state": old},
            after={"state": new},
            reason=reason,
        )
