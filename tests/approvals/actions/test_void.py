"""approvals.actions.decide.void_approvals_for: an edit after one approval voids it."""

from __future__ import annotations

import pytest

from approvals.actions.decide import approve_request, void_approvals_for
from approvals.actions.submit import submit_orders
from approvals.models import ApprovalRequest
from audit.models import AuditAction, AuditEntry
from core.actor import Actor
from orders.statuses import PlacementState as _P

pytestmark = pytest.mark.django_db


def test_voided_approvals_must_be_given_again(policy, draft, people, sent_tasks):
    order = draft(people["support"], "1600.00")
    submit_orders([order], actor=Actor.for_user(people["support"]))
    request = ApprovalRequest.objects.get(order=order)
    manager = Actor.for_user(people["manager"])
    approve_request(request_id=request.pk, actor=manager)
    assert void_approvals_for(order, actor=Actor.for_user(people["support"]), reason="amount") == 1
    assert void_approvals_for(order, actor=Actor.system(), reason="again") == 0
    # The manager's approval no longer counts: theirs again plus the admin's are needed.
    approve_request(request_id=request.pk, actor=manager)
    order.refresh_from_db()
    assert order.state == _P.AWAITING_APPROVAL
    approve_request(request_id=request.pk, actor=Actor.for_user(people["admin"]))
    order.refresh_from_db()
    assert order.state == _P.QUEUED
    assert AuditEntry.objects.filter(action=AuditAction.APPROVAL_VOID).count() == 1
    assert order.events.filter(kind="approval", message__contains="voided").count() == 1
