"""Uploads' Celery tasks, thin: load ids, call one action.

`acks_late` + `reject_on_worker_lost`: a worker killed mid-run puts the message back. The dry
run starts over (it writes only the upload's own rows); placement resumes at the first row
without an order, each chunk being one transaction.
https://docs.celeryq.dev/en/stable/userguide/tasks.html#Task.acks_late
"""

from __future__ import annotations

from celery import shared_task

from uploads.actions import confirm, dry_run


@shared_task(name="uploads.tasks.run_dry_run", acks_late=True, reject_on_worker_lost=True)
def run_dry_run(upload_id: int) -> str:
    return dry_run.run_dry_run(upload_id=upload_id).status


@shared_task(name="uploads.tasks.place_upload", acks_late=True, reject_on_worker_lost=True)
def place_upload(upload_id: int) -> str:
    return confirm.place_upload(upload_id=upload_id).status


@shared_task(name="uploads.tasks.resume_placing")
def resume_placing() -> list[int]:
    return confirm.resume_placing()
