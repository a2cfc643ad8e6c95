"""Staff bulk jobs: one action (resend, release) over many orders, run as one background job.

("Bulk" alone means Tango's async multi-line orders: orders/actions/bulk_placement.py.)

A job stores its order ids up front, so "all N matching this filter" means the orders that
matched when staff clicked, not whatever matches when the worker gets to it. The job resumes
from `done` when a worker redelivers it (acks_late), and every step is itself idempotent (the
resend marker claim, the HELD -> QUEUED conditional transition), so a duplicate run is harmless.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditAction
from audit.records import record
from core import jobs
from core.actor import Actor, ActorPath
from core.errors import ActionNotAllowed
from orders.actions.holds import release
from orders.actions.resend import (
    ResendTarget,
    fail_resend,
    perform_resend,
    request_resend,
    resend_blocker,
)
from orders.models import BulkJob, LineItem, Order
from tango.errors import TangoError

logger = logging.getLogger(__name__)

# One job is one worker looping over orders: keep it to minutes, not hours.
MAX_BULK_ORDERS = 2000
AUDIT_ACTIONS = {
    BulkJob.Action.RESEND: AuditAction.BULK_RESEND,
    BulkJob.Action.RELEASE: AuditAction.BULK_RELEASE,
}


def start_bulk_job(
    *,
    action: str,
    order_ids: list[int],
    reason: str,
    actor: Actor,
) -> BulkJob:
    """Store the job with its order ids (what matched when staff clicked) and queue it.

    Audited; no timeline row yet: each order gets its own rows when the job reaches it.
    """
    ids = sorted(set(order_ids))
    if not ids:
        raise ActionNotAllowed("Select at least one order.")
    if len(ids) > MAX_BULK_ORDERS:
        raise ActionNotAllowed(
            f"{len(ids)} orders selected; a bulk job takes at most {MAX_BULK_ORDERS}. "
            "Narrow the filter."
        )
    if action not in BulkJob.Action.values:
        raise ActionNotAllowed("Unknown bulk action.")
    with transaction.atomic():
        job = BulkJob.objects.create(
            action=action,
            order_ids=ids,
            total=len(ids),
            reason=reason,
            created_by=actor.user_or_none,
        )
        record(
            actor=actor,
            action=AUDIT_ACTIONS[BulkJob.Action(action)],
            obj=job,
            after={"total": len(ids), "order_ids": ids[:50]},
            reason=reason,
        )
        jobs.enqueue("orders.tasks.staff.run_bulk_job", job_id=job.pk)
    return job


def perform_bulk_job(*, job_id: int) -> BulkJob:
    """Work through the job's orders from where it stopped; called by the task."""
    claimed = BulkJob.objects.filter(
        pk=job_id, status__in=[BulkJob.Status.QUEUED, BulkJob.Status.RUNNING]
    ).update(status=BulkJob.Status.RUNNING)
    job = BulkJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    step = _resend_order if job.action == BulkJob.Action.RESEND else _release_order
    for order_id in job.order_ids[job.done :]:
        ok, message = step(job, order_id)
        ref = Order.objects.filter(pk=order_id).first()
        job.results.append(
            {"order_id": order_id, "ref": str(ref or ""), "ok": ok, "message": message[:300]}
        )
        BulkJob.objects.filter(pk=job.pk).update(
            done=F("done") + 1,
            succeeded=F("succeeded") + (1 if ok else 0),
            failed=F("failed") + (0 if ok else 1),
            results=job.results,
        )
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    logger.info("bulk job %s done: %s ok, %s failed", job.pk, job.succeeded, job.failed)
    return job


def _for_owner(job: BulkJob) -> Actor:
    """The worker, acting for the person who started the job (no IP: not their request)."""
    return Actor.for_user(job.created_by, path=ActorPath.WORKER)


def _resend_order(job: BulkJob, order_id: int) -> tuple[bool, str]:
    line_items = list(LineItem.objects.filter(order_id=order_id).select_related("order"))
    if not line_items:
        return False, "No line items."
    eligible = [li for li in line_items if resend_blocker(li) is None]
    if not eligible:
        return False, resend_blocker(line_items[0]) or "Not resendable."
    target = ResendTarget(reason_code="OTHER" if job.reason else "NOT_RECEIVED", reason=job.reason)
    sent = 0
    errors: list[str] = []
    for line_item in eligible:
        try:
            event = request_resend(
                line_item_id=line_item.pk,
                actor=_for_owner(job),
                target=target,
                bulk_job_id=job.pk,
                enqueue=False,  # sent right here, so the job's summary has the outcome
            )
        except ActionNotAllowed as exc:
            errors.append(str(exc))
            continue
        try:
            perform_resend(line_item_id=line_item.pk, request_event_id=event.pk)
            sent += 1
        except TangoError as exc:
            # Throttled or unavailable included: a bulk job reports, staff retry the failures.
            fail_resend(line_item_id=line_item.pk, request_event_id=event.pk, error=exc)
            errors.append(str(exc))
    if errors:
        return False, "; ".join(errors)
    return True, f"Resent {sent} reward{'s' if sent != 1 else ''}."


def _release_order(job: BulkJob, order_id: int) -> tuple[bool, str]:
    if not Order.objects.filter(pk=order_id).exists():
        return False, "Order not found."
    try:
        release(order_id=order_id, actor=_for_owner(job), note=job.reason)
    except ActionNotAllowed as exc:
        return False, str(exc)
    return True, "Released: queued for placement."
