"""Housekeeping of waiting orders (beat): withdraw expired requests, remind approvers once.

Both claim each request with a conditional UPDATE (pending -> expired; reminded_at from
NULL), so two beat runs or two workers never withdraw or remind twice. A withdrawn order goes
AWAITING_APPROVAL -> WITHDRAWN (orders.statuses.WITHDRAW) with its timeline row; the audit
row is written through audit.records.record, which keeps rows for people only (the system
actor's change is on the timeline). The creator's email is a task enqueued after commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from approvals.models import ApprovalRequest
from approvals.reissue_claims import release_reissue_claim
from audit.models import AuditAction
from audit.records import record
from core import jobs
from core.actor import Actor, ActorPath
from orders import events
from orders.state import transition_state
from orders.statuses import WITHDRAW
from orders.statuses import PlacementState as _P


def expire_requests(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Withdraw every pending request past its expiry; how many were withdrawn."""
    now = now or timezone.now()
    actor = actor or Actor.system(ActorPath.SYSTEM)
    withdrawn = 0
    for request in ApprovalRequest.objects.expired_by(now).select_related("order"):
        with transaction.atomic():
            claimed = ApprovalRequest.objects.filter(pk=request.pk, status="pending").update(
                status=ApprovalRequest.Status.EXPIRED, decided_at=now
            )
            if not claimed:
                continue  # decided or withdrawn meanwhile
            hours = settings.APPROVAL_EXPIRY_HOURS
            moved = transition_state(
                order_id=request.order_id,
                transition=WITHDRAW,
                expected=_P.AWAITING_APPROVAL,
                actor=actor,
                message=f"Withdrawn: not decided within {hours:g} hours of being sent to approval",
                details={"approval_request": request.pk},
            )
            release_reissue_claim(
                order_id=request.order_id, actor=actor, why="not approved in time"
            )
            record(
                actor=actor,
                action=AuditAction.APPROVAL_EXPIRE,
                obj=request.order,
                before={"state": _P.AWAITING_APPROVAL},
                after={"state": _P.WITHDRAWN if moved else request.order.state},
            )
            jobs.enqueue("approvals.tasks.notify_creator_task", request_id=request.pk)
            withdrawn += 1
    return withdrawn


def remind_waiting(*, now: datetime | None = None, actor: Actor | None = None) -> int:
    """Queue one reminder to the approvers of each request waiting too long; how many."""
    now = now or timezone.now()
    actor = actor or Actor.system(ActorPath.SYSTEM)
    cutoff = now - timedelta(hours=settings.APPROVAL_REMIND_AFTER_HOURS)
    reminded = 0
    for request in ApprovalRequest.objects.waiting_since_before(cutoff):
        with transaction.atomic():
            claimed = ApprovalRequest.objects.filter(
                pk=request.pk, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            events.approval_noted(
                order=request.order_id,
                actor=actor,
                message=(
                    f"Approvers reminded: waiting more than "
                    f"{settings.APPROVAL_REMIND_AFTER_HOURS:g} hours"
                ),
                details={"approval_request": request.pk},
            )
            jobs.enqueue("approvals.tasks.send_reminder_task", request_id=request.pk)
            reminded += 1
    return reminded
