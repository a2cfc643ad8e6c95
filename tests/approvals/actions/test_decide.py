"""approvals.actions.decide: maker-checker (every role, superusers too), dual approval by two
different people, rejection with a reason, partial batch approval, the funds warning."""

from __future__ import annotations

from decimal import Decimal

import pytest

from approvals.actions.checker import MAKER_TEXT, SECOND_APPROVAL_TEXT
from approvals.actions.decide import (
    FundsConfirmationNeeded,
    approve_request,
    approve_requests,
    reject_requests,
)
from approvals.actions.submit import submit_orders
from approvals.models import ApprovalRequest
from audit.models import AuditAction, AuditEntry
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.statuses import PlacementState as _P

pytestmark = pytest.mark.django_db
PLACE = "orders.tasks.placement.place_order_task"
NOTIFY = "approvals.tasks.notify_creator_task"


@pytest.fixture
def waiting(policy, draft):
    """`waiting(maker, amount)`: an order made and submitted by `maker`, waiting for approval."""

    def make(maker, amount="600.00", **submit):
        order = draft(maker, amount)
        outcome = submit_orders([order], actor=Actor.for_user(maker), **submit)
        assert outcome.orders[0].waiting
        return ApprovalRequest.objects.get(order=order)

    return make


def placed_ids(sent):
    return [kw["order_id"] for name, kw in sent if name == PLACE]


@pytest.mark.parametrize("role", ["support", "finance", "manager", "admin", "superuser"])
def test_the_maker_never_approves_or_rejects_their_own_order(role, people, waiting, sent_tasks):
    maker = people[role]
    request = waiting(maker)
    with pytest.raises(ActionNotAllowed, match="You created this order"):
        approve_request(request_id=request.pk, actor=Actor.for_user(maker))
    decisions = reject_requests(request_ids=[request.pk], actor=Actor.for_user(maker), reason="x")
    assert decisions[0].outcome == "refused" and decisions[0].message == MAKER_TEXT
    request.refresh_from_db()
    assert request.status == "pending" and not request.approvals.exists()
    assert request.order.state == _P.AWAITING_APPROVAL
    assert placed_ids(sent_tasks) == []


@pytest.mark.parametrize("role", ["manager", "admin", "superuser"])
def test_the_creator_of_the_batch_is_a_maker_too(role, people, policy, draft):
    """Orders entered by support, submitted in a batch (an upload) by someone else."""
    batch_maker = people[role]
    orders = [draft(people["support"], "600.00") for _ in range(2)]
    submit_orders(orders, actor=Actor.for_user(batch_maker), batch_label="upload 7")
    for request in ApprovalRequest.objects.all():
        with pytest.raises(ActionNotAllowed, match="You created this order"):
            approve_request(request_id=request.pk, actor=Actor.for_user(batch_maker))


def test_an_upload_creator_passed_as_maker_cannot_approve(people, policy, draft):
    order = draft(people["support"], "600.00")
    submit_orders([order], actor=Actor.system(), makers=[people["admin"]])
    request = ApprovalRequest.objects.get(order=order)
    with pytest.raises(ActionNotAllowed, match="You created this order"):
        approve_request(request_id=request.pk, actor=Actor.for_user(people["admin"]))


@pytest.mark.parametrize("role", ["support", "finance"])
def test_roles_without_the_permission_are_refused_in_the_action(role, people, waiting):
    request = waiting(people["manager"])
    with pytest.raises(ActionNotAllowed, match="Needs the Manager role"):
        approve_request(request_id=request.pk, actor=Actor.for_user(people[role]))


@pytest.mark.parametrize("role", ["manager", "admin", "superuser"])
def test_someone_else_with_the_permission_approves_and_it_is_queued_once(
    role, people, waiting, sent_tasks, django_capture_on_commit_callbacks
):
    request = waiting(people["support"])
    with django_capture_on_commit_callbacks(execute=True):
        decision = approve_request(request_id=request.pk, actor=Actor.for_user(people[role]))
    assert decision.outcome == "queued"
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == people[role]
    assert request.order.state == _P.QUEUED
    assert placed_ids(sent_tasks) == [request.order_id]
    assert (NOTIFY, {"request_id": request.pk}) in sent_tasks
    assert request.order.events.filter(kind="approved").get().actor == people[role]
    assert AuditEntry.objects.filter(action=AuditAction.APPROVAL_APPROVE).count() == 1
    with pytest.raises(ActionNotAllowed, match="no longer waiting"):
        approve_request(request_id=request.pk, actor=Actor.for_user(people["manager2"]))


def test_dual_approval_needs_two_different_approvers(
    people, waiting, sent_tasks, django_capture_on_commit_callbacks
):
    request = waiting(people["support"], "1600.00")
    manager = Actor.for_user(people["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        first = approve_request(request_id=request.pk, actor=manager)
    assert first.outcome == "approved_once"
    with pytest.raises(ActionNotAllowed) as refused:
        approve_request(request_id=request.pk, actor=manager)
    assert str(refused.value) == SECOND_APPROVAL_TEXT
    request.refresh_from_db()
    assert request.status == "pending" and request.order.state == _P.AWAITING_APPROVAL
    assert placed_ids(sent_tasks) == []
    with django_capture_on_commit_callbacks(execute=True):
        second = approve_request(request_id=request.pk, actor=Actor.for_user(people["admin"]))
    assert second.outcome == "queued"
    request.refresh_from_db()
    assert request.order.state == _P.QUEUED
    assert placed_ids(sent_tasks) == [request.order_id]
    assert sorted(a.approver.username for a in request.approvals.all()) == [
        "admin-user",
        "manager-user",
    ]


def test_rejecting_needs_a_reason(people, waiting):
    request = waiting(people["support"])
    for blank in ("", "   "):
        with pytest.raises(ActionNotAllowed, match="Give a reason"):
            reject_requests(
                request_ids=[request.pk], actor=Actor.for_user(people["manager"]), reason=blank
            )
    request.refresh_from_db()
    assert request.status == "pending"


def test_a_rejection_ends_the_order_with_the_reason(
    people, waiting, sent_tasks, django_capture_on_commit_callbacks
):
    request = waiting(people["support"])
    with django_capture_on_commit_callbacks(execute=True):
        [decision] = reject_requests(
            request_ids=[request.pk],
            actor=Actor.for_user(people["manager"]),
            reason="Duplicate of last week's bonus",
        )
    assert decision.outcome == "rejected"
    request.refresh_from_db()
    assert request.status == "rejected"
    assert request.decision_reason == "Duplicate of last week's bonus"
    assert request.order.state == _P.REJECTED
    row = request.order.events.get(new_status=_P.REJECTED)
    assert row.message == "Rejected by manager-user: Duplicate of last week's bonus"
    assert placed_ids(sent_tasks) == []
    assert (NOTIFY, {"request_id": request.pk}) in sent_tasks


def test_partial_batch_approval_places_only_the_selected_orders(
    people, policy, draft, sent_tasks, django_capture_on_commit_callbacks
):
    orders = [draft(people["support"], "600.00") for _ in range(3)]
    submit_orders(orders, actor=Actor.for_user(people["support"]), batch_label="March")
    requests = list(ApprovalRequest.objects.order_by("pk"))
    chosen = [requests[0].pk, requests[2].pk]
    with django_capture_on_commit_callbacks(execute=True):
        decisions = approve_requests(request_ids=chosen, actor=Actor.for_user(people["manager"]))
    assert [d.outcome for d in decisions] == ["queued", "queued"]
    assert sorted(placed_ids(sent_tasks)) == sorted([orders[0].pk, orders[2].pk])
    orders[1].refresh_from_db()
    assert orders[1].state == _P.AWAITING_APPROVAL


def test_the_funds_warning_appears_when_the_selection_exceeds_the_balance(
    people, account, waiting, sent_tasks, django_capture_on_commit_callbacks
):
    account.current_balance = Decimal("1000.00")
    account.save()
    first, second = waiting(people["support"]), waiting(people["support"])
    manager = Actor.for_user(people["manager"])
    # One alone fits the balance.
    with django_capture_on_commit_callbacks(execute=True):
        approve_requests(request_ids=[first.pk], actor=manager)
    third = waiting(people["support"], "700.00")
    with pytest.raises(FundsConfirmationNeeded) as warned:
        approve_requests(request_ids=[second.pk, third.pk], actor=manager)
    assert str(warned.value) == (
        "Approving these would spend 1,300.00 USD from account acme-usd-01, more than its "
        "balance of 1,000.00 USD."
    )
    assert [s.total for s in warned.value.spends] == [Decimal("1300.00")]
    second.refresh_from_db()
    assert second.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        decisions = approve_requests(
            request_ids=[second.pk, third.pk], actor=manager, confirm_over_balance=True
        )
    assert [d.outcome for d in decisions] == ["queued", "queued"]


def test_a_bulk_selection_refuses_only_the_rows_the_person_made(people, waiting):
    mine = waiting(people["manager"])
    theirs = waiting(people["support"])
    decisions = approve_requests(
        request_ids=[mine.pk, theirs.pk], actor=Actor.for_user(people["manager"])
    )
    assert {d.request_id: d.outcome for d in decisions} == {
        mine.pk: "refused",
        theirs.pk: "queued",
    }
