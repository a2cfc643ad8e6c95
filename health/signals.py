"""Record each periodic task's start, success and failure from Celery's signals.

Only the tasks in CELERY_BEAT_SCHEDULE (rewards_admin/beat.py) are recorded: they are the
sync jobs whose lag the health page shows. A retry counts as a failure with its error (the
job did not succeed this time), the final success clears nothing but moves last_success_at.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import signals
from django.conf import settings
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)


def scheduled_tasks() -> dict[str, float]:
    """Registered task name → its beat interval in seconds."""
    schedule: dict[str, dict[str, Any]] = getattr(settings, "CELERY_BEAT_SCHEDULE", {}) or {}
    out: dict[str, float] = {}
    for entry in schedule.values():
        every = entry.get("schedule")
        seconds = every.total_seconds() if hasattr(every, "total_seconds") else every
        out[entry["task"]] = float(seconds or 0)
    return out


def _name(sender: Any) -> str | None:
    name = getattr(sender, "name", None) or (sender if isinstance(sender, str) else None)
    return name if name in scheduled_tasks() else None


def record_start(name: str) -> None:
    from health.models import SyncJob

    SyncJob.objects.update_or_create(task=name, defaults={"last_started_at": timezone.now()})


def record_success(name: str) -> None:
    from health.models import SyncJob

    job, _ = SyncJob.objects.get_or_create(task=name)
    SyncJob.objects.filter(pk=job.pk).update(last_success_at=timezone.now(), runs=F("runs") + 1)


def record_failure(name: str, error: BaseException | str | None) -> None:
    from health.models import SyncJob

    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    job, _ = SyncJob.objects.get_or_create(task=name)
    SyncJob.objects.filter(pk=job.pk).update(
        last_failure_at=timezone.now(),
        last_error=text[:2000],
        runs=F("runs") + 1,
        failures=F("failures") + 1,
    )


def _safely(record: Any, *args: Any) -> None:
    try:
        record(*args)
    except Exception:  # the health record must never fail the task itself
        logger.exception("could not record a sync job run")


def _prerun(sender: Any = None, task: Any = None, **kwargs: Any) -> None:
    name = _name(task or sender)
    if name:
        _safely(record_start, name)


def _success(sender: Any = None, **kwargs: Any) -> None:
    name = _name(sender)
    if name:
        _safely(record_success, name)


def _failure(sender: Any = None, exception: BaseException | None = None, **kwargs: Any) -> None:
    name = _name(sender)
    if name:
        _safely(record_failure, name, exception)


def _retry(sender: Any = None, reason: Any = None, **kwargs: Any) -> None:
    name = _name(sender)
    if name:
        _safely(record_failure, name, f"retrying: {reason}")


def connect() -> None:
    signals.task_prerun.connect(_prerun, weak=False, dispatch_uid="health-prerun")
    signals.task_success.connect(_success, weak=False, dispatch_uid="health-success")
    signals.task_failure.connect(_failure, weak=False, dispatch_uid="health-failure")
    signals.task_retry.connect(_retry, weak=False, dispatch_uid="health-retry")
