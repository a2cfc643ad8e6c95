"""approvals.actions.submit: queued or waiting, as the policy says, with the rule in words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from approvals.actions.submit import submit_orders
from approvals.models import ApprovalPolicy, ApprovalRequest
from audit.models import AuditAction, AuditEntry
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.statuses import PlacementState as _P

pytestmark = pytest.mark.django_db
PLACE = "orders.tasks.placement.place_order_task"


def test_an_order_under_every_limit_is_queued_and_enqueued_after_commit(
    policy, draft, people, sent_tasks, django_capture_on_commit_callbacks
):
    order = draft(people["support"], "100.00")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = submit_orders([order], actor=Actor.for_user(people["support"]))
    order.refresh_from_db()
    assert order.state == _P.QUEUED
    assert outcome.for_order(order.pk).queued
    assert outcome.message == "Queued for placement: no approval rule applies."
    assert sent_tasks == [(PLACE, {"order_id": order.pk})]
    assert not ApprovalRequest.objects.exists()


def test_an_order_above_the_limit_waits_with_its_rule_in_words(
    policy, draft, people, sent_tasks, django_capture_on_commit_callbacks
):
    order = draft(people["support"], "600.00")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = submit_orders([order], actor=Actor.for_user(people["support"]))
    order.refresh_from_db()
    result = outcome.for_order(order.pk)
    assert order.state == _P.AWAITING_APPROVAL
    assert result.waiting and result.approvals_needed == 1
    assert result.reason == (
        "Waiting for approval: amount 600.00 USD is above the 500.00 USD per-order limit"
    )
    assert [r.code for r in result.rules] == ["per_order"]
    assert sent_tasks == []
    request = ApprovalRequest.objects.get(order=order)
    assert request.policy == policy and request.expires_at == result.expires_at
    assert list(request.makers.all()) == [people["support"]]
    assert order.events.filter(new_status=_P.AWAITING_APPROVAL).get().message == result.reason
    assert AuditEntry.objects.filter(action=AuditAction.APPROVAL_REQUEST).count() == 1


def test_above_the_dual_limit_needs_two_approvers(policy, draft, people):
    order = draft(people["support"], "1600.00")
    result = submit_orders([order], actor=Actor.system()).for_order(order.pk)
    assert result.approvals_needed == 2
    assert {r.code for r in result.rules} == {"per_order", "dual"}
    assert result.reason.endswith("(needs two different approvers)")


def test_a_batch_above_its_limit_waits_as_a_whole(policy, draft, people):
    orders = [draft(people["support"], "400.00") for _ in range(3)]
    outcome = submit_orders(orders, actor=Actor.system(), batch_label="March bonuses")
    assert [o.status for o in outcome.orders] == ["waiting"] * 3
    assert "the batch total 1,200.00 USD is above the 1,000.00 USD batch limit" in (
        outcome.orders[0].reason
    )
    assert set(ApprovalRequest.objects.values_list("batch", flat=True)) == {"March bonuses"}
    assert outcome.message == "0 of 3 orders queued for placement, 3 waiting for approval."


def test_accounts_rewards_and_daily_totals_are_rules_too(account, draft, people):
    ApprovalPolicy.objects.create(
        version=1,
        accounts=[account.identifier],
        utids=["u100001"],
        daily_creator_limits={"USD": "100.00"},
    )
    first = draft(people["support"], "60.00")
    submit_orders([first], actor=Actor.system())
    second = draft(people["support"], "60.00")
    codes = [r.code for r in submit_orders([second], actor=Actor.system()).orders[0].rules]
    assert codes == ["account", "reward", "daily"]


def test_the_latest_policy_version_decides(policy, draft):
    ApprovalPolicy.objects.create(version=2, per_order_limits={"USD": "50.00"})
    order = draft(None, "60.00")
    submit_orders([order], actor=Actor.system())
    assert ApprovalRequest.objects.get(order=order).policy.version == 2


def test_without_a_policy_everything_is_queued(draft):
    order = draft(None, "1000.00")
    outcome = submit_orders([order], actor=Actor.system())
    assert outcome.orders[0].reason == "Queued for placement: no approval policy is set."
    assert outcome.policy_version is None


def test_a_non_draft_refuses_the_whole_batch_and_writes_nothing(policy, draft):
    fine = draft(None, "10.00")
    done = draft(None, "10.00")
    submit_orders([done], actor=Actor.system())
    with pytest.raises(ActionNotAllowed):
        submit_orders([fine, done], actor=Actor.system())
    fine.refresh_from_db()
    assert fine.state == _P.DRAFT
    assert Decimal(fine.amount) == Decimal("10.00")


def test_a_waiting_order_cannot_be_held_and_released_past_its_approval(policy, draft, people):
    from orders.actions.holds import hold, hold_order

    order = draft(people["support"], "600.00")
    submit_orders([order], actor=Actor.for_user(people["support"]))
    manager = Actor.for_user(people["manager"])
    with pytest.raises(ActionNotAllowed, match="approved or rejected, not held"):
        hold(order_id=order.pk, actor=manager, note="park it")
    with pytest.raises(ActionNotAllowed):
        hold_order(order_id=order.pk, actor=manager, reason="staff", note="park it")
    order.refresh_from_db()
    assert order.state == _P.AWAITING_APPROVAL
