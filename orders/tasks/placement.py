"""Placement tasks: thin wrappers that map the actions' errors to Celery retries.

`acks_late` + `reject_on_worker_lost`: the broker message is acknowledged only after the task
returns, and a worker process killed mid-task puts it back, so a placement is never silently
dropped; the conditional claim in the action makes the redelivery harmless
(https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.acks_late).
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.app.task import Task

from core.jobs import retry_task
from orders.actions import bulk_placement, placement, sweeper
from tango.errors import TangoAuthError, TangoUnavailable

logger = logging.getLogger(__name__)

MAX_RETRIES = 10


@shared_task(
    name="orders.tasks.placement.place_order_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def place_order_task(self: Task, order_id: int) -> str:
    try:
        result = placement.place_order(order_id=order_id)
    except (TangoUnavailable, TangoAuthError) as exc:
        # The action has put the order back to QUEUED. After the last retry it stays
        # QUEUED and the sweeper re-drives it later, so giving up here loses nothing.
        if isinstance(exc, TangoAuthError):
            logger.error("Tango refused our credentials placing order %s: %r", order_id, exc)
        retry_task(self, exc)
    return str(result.outcome)


# The name says tasks.sync, where this task used to live: messages already in a queue carry it,
# so it stays until no deployment can hold one.
@shared_task(
    name="orders.tasks.sync.place_bulk_order_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def place_bulk_order_task(self: Task, order_id: int) -> str:
    try:
        result = bulk_placement.place_bulk_order(order_id=order_id)
    except (TangoUnavailable, TangoAuthError) as exc:
        # The action put the order back to QUEUED; the retry re-sends the same externalRefID.
        retry_task(self, exc)
    return str(result.outcome)


@shared_task(
    name="orders.tasks.placement.sweep_stuck_placements",
    acks_late=True,
    reject_on_worker_lost=True,
)
def sweep_stuck_placements() -> dict[str, int]:
    result = sweeper.sweep_stuck_placements()
    return {"requeued_placing": result.requeued_placing, "reenqueued": result.reenqueued_queued}
