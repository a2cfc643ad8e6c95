"""approvals.actions.expiry: expired requests are withdrawn once and the creator told;
approvers are reminded once per request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from approvals.actions.expiry import expire_requests, remind_waiting
from approvals.actions.submit import submit_orders
from approvals.models import ApprovalRequest
from approvals.tasks import notify_creator_task, send_reminder_task
from core.actor import Actor
from orders.statuses import PlacementState as _P

pytestmark = pytest.mark.django_db
NOTIFY = "approvals.tasks.notify_creator_task"
REMIND = "approvals.tasks.send_reminder_task"


@pytest.fixture
def request_of(policy, draft, people):
    def make(maker=None, amount="600.00"):
        maker = maker or people["support"]
        maker.email = f"{maker.username}@example.com"
        maker.save()
        order = draft(maker, amount)
        submit_orders([order], actor=Actor.for_user(maker))
        return ApprovalRequest.objects.get(order=order)

    return make


def test_expiry_withdraws_the_order_and_tells_the_creator(
    request_of, settings, sent_tasks, django_capture_on_commit_callbacks
):
    settings.APPROVAL_EXPIRY_HOURS = 48
    request = request_of()
    lifetime = request.expires_at - request.created_at
    assert abs(lifetime - timedelta(hours=48)) < timedelta(seconds=5)
    assert expire_requests(now=request.expires_at - timedelta(seconds=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_requests(now=request.expires_at) == 1
        assert expire_requests(now=request.expires_at) == 0  # once
    request.refresh_from_db()
    assert request.status == "expired"
    assert request.order.state == _P.WITHDRAWN
    row = request.order.events.get(new_status=_P.WITHDRAWN)
    assert row.message == "Withdrawn: not decided within 48 hours of being sent to approval"
    assert sent_tasks == [(NOTIFY, {"request_id": request.pk})]
    assert notify_creator_task(request_id=request.pk) == 1
    [sent] = mail.outbox
    assert sent.to == ["support-user@example.com"]
    assert sent.subject == f"Withdrawn (approval expired): order {request.order.external_ref_id}"
    assert "per-order limit" in sent.body


def test_a_decided_request_never_expires(request_of, people):
    from approvals.actions.decide import approve_request

    request = request_of()
    approve_request(request_id=request.pk, actor=Actor.for_user(people["manager"]))
    assert expire_requests(now=timezone.now() + timedelta(days=30)) == 0
    request.refresh_from_db()
    assert request.status == "approved"


def test_approvers_are_reminded_once_and_the_maker_is_not(
    request_of, people, settings, sent_tasks, django_capture_on_commit_callbacks
):
    settings.APPROVAL_REMIND_AFTER_HOURS = 24
    for name in ("manager", "manager2", "admin", "support"):
        people[name].email = f"{people[name].username}@example.com"
        people[name].save()
    request = request_of(people["manager"])
    later = request.created_at + timedelta(hours=24, seconds=1)
    assert remind_waiting(now=request.created_at + timedelta(hours=23)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_waiting(now=later) == 1
        assert remind_waiting(now=later + timedelta(hours=5)) == 0  # at most once
    assert sent_tasks == [(REMIND, {"request_id": request.pk})]
    assert send_reminder_task(request_id=request.pk) == 3
    [sent] = mail.outbox  # not the maker (manager), nor support or finance (no permission)
    assert sorted(sent.to) == [
        "admin-user@example.com",
        "manager-two@example.com",
        "root@example.com",
    ]
    assert "Waiting for approval over 24 h" in sent.subject
