"""Background jobs: enqueue a task by its registered name after commit, and THE retry policy.

Writers never import task modules (tasks import writers; the other way round made the import
cycles this replaces). They name the task: `enqueue("orders.tasks.placement.place_order_task",
order_id=order.pk)`, as Zulip's `queue_event_on_commit` does. The message is handed to the
broker only once the current transaction commits, so a worker never looks for a row that is
not there yet (or that was rolled back); outside a transaction Django runs it at once.
tests/test_jobs.py checks that every name enqueued anywhere is a registered task.

The retry policy: exponential backoff with full jitter, at least what Tango asked for
(`retry_after`), capped well below the broker's visibility timeout.
"""

from __future__ import annotations

import random
from typing import Any, NoReturn

from celery import current_app
from celery.app.task import Task
from django.conf import settings
from django.db import transaction

RETRY_BASE_SECONDS = 2.0
RETRY_CAP_SECONDS = 300.0


def enqueue(task_name: str, /, **kwargs: Any) -> None:
    """Send the task `task_name` with these keyword arguments once the transaction commits."""
    # A lambda, not a bound send: `send` is looked up when the commit happens.
    transaction.on_commit(lambda: send(task_name, kwargs))


def send(task_name: str, kwargs: dict[str, Any]) -> None:
    """Hand the task to the broker now (tests replace this to see what would be sent)."""
    current_app.send_task(task_name, kwargs=kwargs)


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


def retry_task(task: Task, exc: BaseException, *, countdown: float | None = None) -> NoReturn:
    """Ask Celery to run `task` again later (raises Retry; re-raises `exc` after the last try).

    The wait is the policy's unless `countdown` is given; a `retry_after` on the error (Tango's
    Retry-After, see tango.errors) is honoured.
    """
    if countdown is None:
        countdown = retry_countdown(task.request.retries, getattr(exc, "retry_after", None))
    raise task.retry(exc=exc, countdown=countdown) from exc
