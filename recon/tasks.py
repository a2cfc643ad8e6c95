"""Reconciliation's Celery tasks, thin: the nightly beat entry and one run.

`acks_late`: a worker killed mid-run puts the message back; the run's claim (queued ->
running) makes a duplicate delivery do nothing.
"""

from __future__ import annotations

from celery import shared_task

from recon.actions import run


@shared_task(name="recon.tasks.run_reconciliation", acks_late=True, reject_on_worker_lost=True)
def run_reconciliation(run_id: int) -> str:
    return run.perform_run(run_id=run_id).status


@shared_task(name="recon.tasks.nightly_reconciliation")
def nightly_reconciliation() -> int:
    return run.start_nightly().pk
