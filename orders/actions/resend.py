"""Resending a digital reward: the request (staff, at the console) and the send (a task).

A request claims the line item's in-flight marker with a conditional UPDATE, writes its
timeline row (which carries the target, so the broker never sees contact data) and its audit
row, and enqueues the resend after commit: two requests racing end with exactly one resend
queued. The task (orders/tasks/staff.py) calls `perform_resend` outside any transaction and
writes the result back; Tango's errors go to `note_resend_throttled` / `fail_resend`.
`resend_blocker` says why a reward cannot be resent now: the button shows it, the request
refuses with it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditAction
from audit.records import record
from core import jobs
from core.actor import Actor, ActorPath
from core.errors import ActionNotAllowed
from core.masking import mask_email, mask_phone
from orders import events
from orders.models import LineItem, OrderEvent
from orders.statuses import RESEND_CHANNELS, LineItemStatus, RewardStatus
from tango.client import get_client
from tango.errors import TangoError

logger = logging.getLogger(__name__)

# Tango lets one resend of a reward through every 30 seconds (TANGO_API.md §8.1, 403.005).
RESEND_THROTTLE = timedelta(seconds=30)
# A marker older than this belongs to a lost task (the broker dropped it); it may be re-claimed.
RESEND_MARKER_STALE = timedelta(minutes=10)
RESEND_REASON_CODES = {
    "NOT_RECEIVED": "Recipient did not receive it",
    "LOST_DELETED": "Recipient lost or deleted it",
    "DELIVERY_INFO": "Delivery details were wrong",
    "DELIVERY_METHOD": "Deliver by another channel",
    "REMINDER": "Reminder",
    "OTHER": "Other",
}


# --- Eligibility ------------------------------------------------------------------------------


def resend_blocker(line_item: LineItem, *, now: datetime | None = None) -> str | None:
    now = now or timezone.now()
    if not line_item.order.reference_order_id:
        return "The order has not been placed at Tango yet."
    if line_item.status != LineItemStatus.COMPLETE:
        return f"Only COMPLETE rewards can be resent (this one is {line_item.status or 'unknown'})."
    if not line_item.is_digital:
        return "Rewards sent by physical mail cannot be resent."
    if line_item.delivery_method not in RESEND_CHANNELS:
        return f"Rewards delivered as {line_item.delivery_method} cannot be resent by Tango."
    if line_item.reward_status == RewardStatus.CANCELLED:
        return "The reward was cancelled."
    marker = line_item.resend_requested_at
    if marker and marker > now - RESEND_MARKER_STALE:
        return "A resend is already queued for this reward."
    return None


def throttle_blocker(
    line_item: LineItem, target: ResendTarget, *, now: datetime | None = None
) -> str | None:
    """Why a resend is refused within Tango's window after the last one (None: allowed).

    Another resend of the same intent (a second click, a second tab) would only wait for the
    window and then reach the recipient twice, so it is refused with the time left. A
    corrected address (confirmed in the form) other than the one just used is a new intent:
    it is queued and sent when the window opens.
    """
    now = now or timezone.now()
    if line_item.last_resent_at is None:
        return None
    opens = line_item.last_resent_at + RESEND_THROTTLE
    if opens <= now:
        return None
    if (target.new_email or target.new_mobile) and not _same_as_last_resend(line_item, target):
        return None
    ago = max(0, int((now - line_item.last_resent_at).total_seconds()))
    left = max(1, math.ceil((opens - now).total_seconds()))
    return (
        f"Tango accepts one resend per reward every {int(RESEND_THROTTLE.total_seconds())} "
        f"seconds: this one was resent {ago} s ago, try again in {left} s "
        "(a corrected address can be sent now)."
    )


def _same_as_last_resend(line_item: LineItem, target: ResendTarget) -> bool:
    """Whether `target` is where the last completed resend of `line_item` went."""
    request_id = (
        OrderEvent.objects.filter(line_item_id=line_item.pk, kind=OrderEvent.Kind.RESENT)
        .order_by("-pk")
        .values_list("details__request_event_id", flat=True)
        .first()
    )
    last = OrderEvent.objects.filter(pk=request_id).values_list("details", flat=True).first()
    last_email, last_mobile = (last or {}).get("new_email") or "", (last or {}).get("new_mobile")
    return (
        last_email.lower() == target.new_email.lower() and (last_mobile or "") == target.new_mobile
    )


def resend_available_at(line_item: LineItem) -> datetime | None:
    """When Tango's 30-second resend window reopens (None when it is open)."""
    if line_item.last_resent_at is None:
        return None
    at = line_item.last_resent_at + RESEND_THROTTLE
    return at if at > timezone.now() else None


# --- Resend -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResendTarget:
    """Where a resend goes: blank fields mean "the address Tango already has"."""

    new_email: str = ""
    new_mobile: str = ""
    reason_code: str = "NOT_RECEIVED"
    reason: str = ""

    def describe(self) -> str:
        if self.new_email:
            return f"corrected email {mask_email(self.new_email)}"
        if self.new_mobile:
            return f"corrected mobile {mask_phone(self.new_mobile)}"
        return "the original address"


def request_resend(
    *,
    line_item_id: int,
    actor: Actor,
    target: ResendTarget,
    bulk_job_id: int | None = None,
    enqueue: bool = True,
) -> OrderEvent:
    """Claim the line item's resend marker and queue the resend.

    Refused (ActionNotAllowed, saying why) while one is in flight and within Tango's throttle
    window of the last resend (see `throttle_blocker`). The checks run under a row lock, so
    requests racing (a double click, two tabs) end with exactly one resend queued.
    """
    with transaction.atomic():
        # The row lock serialises every request for this reward (two tabs, a double click, a
        # bulk job): each one sees the marker or `last_resent_at` the one before it committed.
        line_item = (
            LineItem.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=line_item_id)
        )
        now = timezone.now()
        blocker = resend_blocker(line_item, now=now) or throttle_blocker(line_item, target, now=now)
        if blocker:
            raise ActionNotAllowed(blocker)
        if (target.new_email or target.new_mobile) and not target.reason:
            raise ActionNotAllowed("Give a reason when sending to a corrected address.")
        LineItem.objects.filter(pk=line_item_id).update(resend_requested_at=now)
        where = target.describe()
        event = events.resend_requested(
            line_item=line_item,
            actor=actor,
            where=where,
            details={
                "new_email": target.new_email,
                "new_mobile": target.new_mobile,
                "reason_code": target.reason_code,
                "reason": target.reason,
                "bulk_job_id": bulk_job_id,
            },
        )
        record(
            actor=actor,
            action=AuditAction.LINE_ITEM_RESEND,
            obj=line_item,
            before={"delivery_method": line_item.delivery_method},
            after={"to": where, "reason_code": target.reason_code},
            reason=target.reason,
        )
        if enqueue:
            jobs.enqueue(
                "orders.tasks.staff.resend_line_item_task",
                line_item_id=line_item_id,
                request_event_id=event.pk,
            )
    return event


def request_order_resend(*, order_id: int, actor: Actor, target: ResendTarget) -> list[OrderEvent]:
    """Resend every resendable line item of an order (Tango throttles per reward, not order)."""
    line_items = list(LineItem.objects.filter(order_id=order_id).select_related("order"))
    eligible = [li for li in line_items if resend_blocker(li) is None]
    if not eligible:
        reasons = {resend_blocker(li) for li in line_items} - {None}
        raise ActionNotAllowed(next(iter(reasons), "The order has no line items."))
    requested, refused = [], []
    for line_item in eligible:
        try:
            requested.append(request_resend(line_item_id=line_item.pk, actor=actor, target=target))
        except ActionNotAllowed as exc:  # e.g. a second tab queued this one meanwhile
            refused.append(str(exc))
    if not requested:
        raise ActionNotAllowed(refused[0])
    return requested


def _resend_finished(request_event: OrderEvent) -> bool:
    return OrderEvent.objects.filter(
        line_item_id=request_event.line_item_id,
        kind__in=[OrderEvent.Kind.RESENT, OrderEvent.Kind.RESEND_FAILED],
        details__request_event_id=request_event.pk,
    ).exists()


def perform_resend(*, line_item_id: int, request_event_id: int) -> OrderEvent | None:
    """Send a queued resend to Tango and write the result (called by the task, outside any
    transaction). Tango errors propagate so the task can retry or call `fail_resend`.

    Returns None when this request was already answered (a redelivered task).
    """
    request_event = OrderEvent.objects.select_related("order", "line_item").get(
        pk=request_event_id, line_item_id=line_item_id, kind=OrderEvent.Kind.RESEND_REQUESTED
    )
    if _resend_finished(request_event):
        return None
    line_item, order, wanted = request_event.line_item, request_event.order, request_event.details
    new_email = wanted.get("new_email") or None
    new_mobile = wanted.get("new_mobile") or None
    new_method = None
    if new_email and line_item.delivery_method != "EMAIL":
        new_method = "EMAIL"
    elif new_mobile and line_item.delivery_method not in {"PHONE", "WHATSAPP"}:
        new_method = "PHONE"
    client = get_client()
    if line_item.reference_line_item_id:
        result = client.resend_line_item(
            line_item.reference_line_item_id,
            new_email=new_email,
            new_mobile_number=new_mobile,
            new_delivery_method=new_method,
            reason_code=wanted.get("reason_code") or None,
            other_reason=wanted.get("reason") or None,
        )
    else:  # legacy single-line order without a line-item id: the order-level endpoint
        result = client.resend_order(
            order.reference_order_id,
            new_email=new_email,
            new_mobile=new_mobile,
            new_delivery_method=new_method,
        )
    target = ResendTarget(new_email=new_email or "", new_mobile=new_mobile or "")
    now = timezone.now()
    with transaction.atomic():
        LineItem.objects.filter(pk=line_item.pk).update(
            resend_count=F("resend_count") + 1,
            last_resent_at=now,
            resend_requested_at=None,
            updated_at=now,
        )
        event = events.resent(
            request=request_event,
            actor=_for_requester(request_event),
            where=target.describe(),
            resend_id=result.id,
        )
    logger.info("resend done line_item=%s resend_id=%s", line_item.pk, result.id)
    return event


def note_resend_throttled(*, request_event_id: int, retry_after: float) -> OrderEvent:
    """Tango's 30 s window is still closed: say on the timeline when the task tries again."""
    request_event = OrderEvent.objects.select_related("order", "line_item").get(pk=request_event_id)
    retry_at = timezone.now() + timedelta(seconds=retry_after)
    # The worker's own note, for nobody in particular (as it always was).
    return events.resend_throttled(
        request=request_event, actor=Actor.system(ActorPath.WORKER), retry_at=retry_at
    )


def fail_resend(*, line_item_id: int, request_event_id: int, error: TangoError | str) -> None:
    """Final failure: clear the marker so staff can try again, and say why on the timeline."""
    request_event = OrderEvent.objects.select_related("order", "line_item").get(pk=request_event_id)
    if _resend_finished(request_event):
        return
    with transaction.atomic():
        LineItem.objects.filter(pk=line_item_id).update(resend_requested_at=None)
        events.resend_failed(
            request=request_event, actor=_for_requester(request_event), error=error
        )


def _for_requester(request_event: OrderEvent) -> Actor:
    """The worker, acting for the person who requested the resend."""
    return Actor.for_user(request_event.actor, path=ActorPath.WORKER)
