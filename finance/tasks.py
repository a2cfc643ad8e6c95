"""Finance's Celery tasks, thin: load ids, call one action.

`acks_late` + `reject_on_worker_lost`: a worker killed while writing a file puts the message
back; the job claim (queued -> running) makes a duplicate run do nothing, and a job left
running by a dead worker shows as running until it expires (start the export again).
https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.acks_late
"""

from __future__ import annotations

from celery import shared_task

from core.jobs import retry_task
from finance.actions import balances, exports
from tango.errors import TangoUnavailable


@shared_task(name="finance.tasks.run_export_job", acks_late=True, reject_on_worker_lost=True)
def run_export_job(job_id: int) -> str:
    return exports.run_export_job(job_id=job_id).status


@shared_task(name="finance.tasks.purge_expired_exports")
def purge_expired_exports() -> int:
    return exports.purge_expired_exports()


@shared_task(name="finance.tasks.check_balances", bind=True, max_retries=3)
def check_balances(self) -> dict[str, int]:
    try:
        return balances.check_balances()
    except TangoUnavailable as exc:
        retry_task(self, exc)
