"""core/jobs.py: enqueue by name after commit, and the one retry policy."""

from __future__ import annotations

import random
from unittest import mock

import pytest
from celery.exceptions import Retry

from core import jobs

# Also run on the embedded SQLite default in CI's smoke lane (as the placement tests were).
pytestmark = pytest.mark.smoke


@pytest.mark.django_db
def test_enqueue_sends_by_name_only_after_the_commit(
    record_tasks, django_capture_on_commit_callbacks
):
    sent = []
    record_tasks(lambda name, kwargs: sent.append((name, kwargs)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        jobs.enqueue("orders.tasks.staff.run_bulk_job", job_id=7)
    assert sent == []  # nothing reaches the broker before the transaction commits
    (callback,) = callbacks
    callback()
    assert sent == [("orders.tasks.staff.run_bulk_job", {"job_id": 7})]


def test_send_hands_the_task_to_the_celery_app_by_name():
    with mock.patch.object(jobs.current_app, "send_task") as send_task:
        jobs.send("orders.tasks.staff.run_bulk_job", {"job_id": 7})
    send_task.assert_called_once_with("orders.tasks.staff.run_bulk_job", kwargs={"job_id": 7})


def test_retry_countdown_is_jittered_exponential_capped_and_below_visibility(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    rng = random.Random(7)
    for retries in range(12):
        ceiling = min(300, 2 * 2**retries)
        samples = [jobs.retry_countdown(retries, rng=rng) for _ in range(200)]
        assert all(0 <= s <= ceiling for s in samples)
        assert max(samples) > ceiling * 0.8  # full jitter spreads over the whole range
    assert jobs.retry_countdown(0, retry_after=30, rng=rng) >= 30
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 120}
    assert max(jobs.retry_countdown(20, rng=rng) for _ in range(200)) <= 60
    assert jobs.retry_countdown(0, retry_after=900, rng=rng) <= 60


class _Error(Exception):
    retry_after = 40.0


def test_retry_task_uses_the_policy_and_honours_retry_after(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    task = mock.Mock()
    task.request.retries = 0
    task.retry.side_effect = Retry("later")
    error = _Error()
    with pytest.raises(Retry):
        jobs.retry_task(task, error)
    ((), kwargs) = task.retry.call_args
    assert kwargs["exc"] is error and kwargs["countdown"] >= 40.0

    with pytest.raises(Retry):
        jobs.retry_task(task, error, countdown=3)
    assert task.retry.call_args.kwargs["countdown"] == 3
