"""Placement tasks: thin wrappers that map the service's errors to Celery retries.

`acks_late` + `reject_on_worker_lost`: the broker message is acknowledged only after the task
returns, and a worker process killed mid-task puts it back, so a placement is never silently
dropped; the conditional claim in the service makes the redelivery harmless
(https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.acks_late).
"""

from __future__ import annotations

import logging
import random

from celery import shared_task
from celery.app.task import Task
from django.conf import settings

from orders.services import placement
from tango.errors import TangoAuthError, TangoUnavailable

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 300.0
MAX_RETRIES = 10


def retry_countdown(
    retries: int, retry_after: float | None = None, *, rng: random.Random | None = None
) -> float:
    """Exponential backoff with full jitter, at least Tango's `retry_after`.

    Capped at 5 minutes and always well below the Redis visibility timeout: a task waiting
    for its countdown is unacknowledged, and Redis would redeliver it after that timeout
    (CELERY_BROKER_TRANSPORT_OPTIONS in settings).
    """
    cap = max_retry_countdown()
    ceiling = min(cap, RETRY_BASE_SECONDS * 2**retries)
    countdown = (rng or random).uniform(0, ceiling)
    if retry_after:
        countdown = max(countdown, min(float(retry_after), cap))
    return countdown


def max_retry_countdown() -> float:
    """The longest countdown `retry_countdown` can return (the sweeper waits at least this)."""
    visibility = float(
        getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("visibility_timeout", 3600)
    )
    return min(RETRY_CAP_SECONDS, visibility / 2)


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
        # The service has put the order back to QUEUED. After the last retry it stays
        # QUEUED and the sweeper re-drives it later, so giving up here loses nothing.
        if isinstance(exc, TangoAuthError):
            logger.error("Tango refused our credentials placing order %s: %r", order_id, exc)
        raise self.retry(
            exc=exc, countdown=retry_countdown(self.request.retries, exc.retry_after)
        ) from exc
    return str(result.outcome)


@shared_task(
    name="orders.tasks.placement.sweep_stuck_placements",
    acks_late=True,
    reject_on_worker_lost=True,
)
def sweep_stuck_placements() -> dict[str, int]:
    result = placement.sweep_stuck_placements()
    return {"requeued_placing": result.requeued_placing, "reenqueued": result.reenqueued_queued}
