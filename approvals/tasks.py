"""Approvals' Celery tasks, thin: beat's expiry and reminder passes, and the emails they and
the decisions enqueue (by name, after commit: approvals.actions never import this module)."""

from __future__ import annotations

from celery import shared_task

from approvals import notify
from approvals.actions import expiry
from approvals.models import ApprovalRequest


@shared_task(name="approvals.tasks.expire_approvals")
def expire_approvals() -> int:
    return expiry.expire_requests()


@shared_task(name="approvals.tasks.remind_approvers")
def remind_approvers() -> int:
    return expiry.remind_waiting()


@shared_task(name="approvals.tasks.notify_creator_task", acks_late=True)
def notify_creator_task(request_id: int) -> int:
    request = ApprovalRequest.objects.select_related(
        "order__account", "order__created_by", "decided_by"
    ).get(pk=request_id)
    return notify.tell_creator(request)


@shared_task(name="approvals.tasks.send_reminder_task", acks_late=True)
def send_reminder_task(request_id: int) -> int:
    request = (
        ApprovalRequest.objects.select_related("order__account")
        .prefetch_related("makers", "approvals")
        .get(pk=request_id)
    )
    return notify.remind_approvers(request)
