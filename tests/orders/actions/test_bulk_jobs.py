"""Staff bulk jobs (orders/actions/bulk_jobs.py): enqueued after commit, reported per order,
resumable.
"""

from __future__ import annotations

import pytest

from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions import bulk_jobs
from orders.models import BulkJob
from orders.tasks.staff import run_bulk_job
from tango.errors import TangoThrottled
from tests.factories import OrderFactory, at_tango

# Every test here talks to the fake Tango (placed_line_item and at_tango hold orders there).
pytestmark = pytest.mark.usefixtures("tango")
IP = "10.1.2.3"


def test_bulk_job_is_enqueued_after_commit_and_refuses_too_many(
    staff, django_capture_on_commit_callbacks, record_tasks
):
    started = []
    record_tasks(lambda name, kw: started.append((name, kw["job_id"])))
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk_jobs.start_bulk_job(
            action="release",
            order_ids=[3, 1, 3],
            reason="",
            actor=Actor.for_user(staff, ip=IP),
        )
    assert started == [("orders.tasks.staff.run_bulk_job", job.pk)]
    assert (job.order_ids, job.total) == ([1, 3], 2)
    with pytest.raises(ActionNotAllowed, match="at most"):
        bulk_jobs.start_bulk_job(
            action="release",
            order_ids=list(range(1, bulk_jobs.MAX_BULK_ORDERS + 2)),
            reason="",
            actor=Actor.for_user(staff, ip=IP),
        )


def test_bulk_release_reports_each_order(staff):
    held = OrderFactory(state="held", hold_reason="staff")
    placed = OrderFactory(placed=True)
    job = BulkJob.objects.create(
        action="release", order_ids=[held.pk, placed.pk], total=2, created_by=staff
    )
    assert run_bulk_job(job.pk) == {"done": 2, "succeeded": 1, "failed": 1}
    job.refresh_from_db()
    assert job.status == "done" and job.finished_at is not None
    assert [row["ok"] for row in job.results] == [True, False]
    held.refresh_from_db()
    assert held.state == "queued"


def test_bulk_resend_sends_inline_and_resumes_where_it_stopped(staff, tango):
    first, second = at_tango(OrderFactory(placed=True)), at_tango(OrderFactory(placed=True))
    job = BulkJob.objects.create(
        action="resend",
        order_ids=[first.pk, second.pk],
        total=2,
        done=1,  # a previous worker finished the first order, then died
        status="running",
        created_by=staff,
        reason="campaign mail bounced",
    )
    bulk_jobs.perform_bulk_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.done, job.succeeded, job.failed, job.status) == (2, 1, 0, "done")
    assert tango.names() == ["resend_line_item"]
    assert tango.calls[0][1]["reference_line_item_id"] == (
        second.line_items.get().reference_line_item_id
    )
    assert second.line_items.get().resend_count == 1

    # A redelivered, finished job does nothing.
    bulk_jobs.perform_bulk_job(job_id=job.pk)
    assert tango.names() == ["resend_line_item"]


def test_bulk_resend_reports_a_throttled_order_as_failed(staff, tango):
    order = at_tango(OrderFactory(placed=True))
    tango.errors["resend_line_item"] = TangoThrottled("too soon", retry_after=20)
    job = BulkJob.objects.create(action="resend", order_ids=[order.pk], total=1, created_by=staff)
    bulk_jobs.perform_bulk_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.succeeded, job.failed) == (0, 1)
    assert "throttle" in job.results[0]["message"].lower()
    assert order.line_items.get().resend_requested_at is None  # free to retry by hand
