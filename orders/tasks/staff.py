"""Tasks behind staff actions: a single resend, and bulk jobs. Thin: call one action.

`acks_late` + `reject_on_worker_lost`: a worker killed mid-task puts the message back; the
actions make the redelivery harmless (a resend request answered once, a bulk job resuming
from `done`). https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.acks_late
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.app.task import Task

from core.jobs import retry_task
from orders.actions import bulk_jobs, resend
from tango.errors import TangoError, TangoThrottled, TangoUnavailable

logger = logging.getLogger(__name__)

RESEND_MAX_RETRIES = 6
# Tango's resend window is 30 s; without a parsed retry_after we wait one window.
DEFAULT_THROTTLE_WAIT = 30.0


def _backoff(retries: int) -> float:
    return float(min(300, 5 * 2**retries))


@shared_task(
    name="orders.tasks.staff.resend_line_item_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=RESEND_MAX_RETRIES,
)
def resend_line_item_task(self: Task, line_item_id: int, request_event_id: int) -> str:
    try:
        event = resend.perform_resend(line_item_id=line_item_id, request_event_id=request_event_id)
    except (TangoThrottled, TangoUnavailable) as exc:
        if self.request.retries >= self.max_retries:
            resend.fail_resend(
                line_item_id=line_item_id, request_event_id=request_event_id, error=exc
            )
            return "failed"
        if isinstance(exc, TangoThrottled):
            wait = exc.retry_after or DEFAULT_THROTTLE_WAIT
            resend.note_resend_throttled(request_event_id=request_event_id, retry_after=wait)
        else:
            wait = max(exc.retry_after or 0, _backoff(self.request.retries))
        # Its own waits: Tango's resend window when throttled, and for outages a slower,
        # unjittered backoff than core.jobs' policy (a resend is never urgent).
        retry_task(self, exc, countdown=wait)
    except TangoError as exc:  # rejected, not found, auth: final; staff see why on the timeline
        resend.fail_resend(line_item_id=line_item_id, request_event_id=request_event_id, error=exc)
        return "failed"
    return "resent" if event is not None else "already-done"


@shared_task(
    name="orders.tasks.staff.run_bulk_job",
    acks_late=True,
    reject_on_worker_lost=True,
)
def run_bulk_job(job_id: int) -> dict[str, int]:
    job = bulk_jobs.perform_bulk_job(job_id=job_id)
    return {"done": job.done, "succeeded": job.succeeded, "failed": job.failed}
