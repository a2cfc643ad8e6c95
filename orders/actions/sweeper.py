"""The sweeper: re-drive placements whose task was lost (beat-scheduled, every few minutes)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import jobs
from core.actor import Actor, ActorPath
from orders.actions.placement import enqueue_placement
from orders.models import Order, OrderEvent
from orders.state import transition_state
from orders.statuses import REQUEUE
from orders.statuses import PlacementState as _P

logger = logging.getLogger(__name__)

SWEEPER = Actor.system(ActorPath.SYSTEM)


@dataclass(frozen=True)
class SweepResult:
    requeued_placing: int
    reenqueued_queued: int


def sweep_stuck_placements(
    *,
    placing_stale_after: timedelta | None = None,
    queued_stale_after: timedelta | None = None,
    now: datetime | None = None,
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
    stale_placing = Order.objects.placing_since_before(now - placing_stale_after).values_list(
        "pk", "is_bulk"
    )
    for order_id, is_bulk in list(stale_placing):
        with transaction.atomic():
            if transition_state(
                order_id=order_id,
                transition=REQUEUE,
                actor=SWEEPER,
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


def _lost_queued(*, now: datetime, cutoff: datetime, limit: int = 5000) -> list[int]:
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
        Order.objects.queued_untouched_since(cutoff).values_list(
            "pk", "updated_at", "placement_attempts"
        )[:limit]
    )
    if not rows:
        return []
    overtaken_before = Order.objects.newest_placed_created_after(rows[0][1], placed_before=cutoff)
    stalled = not OrderEvent.objects.placement_attempts_since(cutoff).exists()
    retry_cutoff = cutoff - timedelta(seconds=jobs.max_retry_countdown())
    return [
        pk
        for pk, updated_at, attempts in rows
        if stalled
        or (overtaken_before is not None and updated_at < overtaken_before)
        or (attempts > 0 and updated_at < retry_cutoff)
    ]
