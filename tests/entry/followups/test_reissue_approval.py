"""A reissue the approval policy holds (entry.actions.reissue_approval), against FakeTango:
it waits with the rule it hit, the requester never decides it, approval reissues once at
Tango (never POST /orders) onto the same order, rejection and expiry free the reward."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from approvals.actions.decide import approve_request, reject_requests
from approvals.actions.expiry import expire_requests
from approvals.models import ApprovalPolicy, ApprovalRequest
from core.actor import Actor
from core.errors import ActionNotAllowed
from entry.actions.reissue import reissue_blocker, reissue_line_item
from entry.actions.reissue_approval import place_approved_reissue
from orders.models import LineItem, Order, OrderEvent
from tango.errors import TangoRewardStatusRefused
from tests.factories import placed_line_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(db):
    return ApprovalPolicy.objects.create(version=1, per_order_limits={"USD": "25.00"})


@pytest.fixture
def requester(make_user):
    return Actor.for_user(make_user("Support"))


@pytest.fixture
def manager(make_user):
    return Actor.for_user(make_user("Manager"))


@pytest.fixture
def reward(fake_tango) -> LineItem:
    return placed_line_item(
        status="COMPLETE", reward_status="ACTIVE", can_cancel=True, date_issued=timezone.now()
    )


def _ask_higher(reward, requester):
    return reissue_line_item(
        line_item_id=reward.pk,
        actor=requester,
        reason_code="REWARD_AMOUNT",
        amount="40.00",
        recipient_email="new@example.com",
    )


def test_a_higher_amount_waits_for_approval_with_the_rule_it_hit(
    fake_tango, reward, requester, policy
):
    result = _ask_higher(reward, requester)

    assert result.waiting
    assert "per-order limit" in result.message
    assert fake_tango.count("reissue_line_item") == 0
    waiting = Order.objects.get(pk=result.order_id)
    assert waiting.state == "awaiting_approval"
    assert waiting.reissue_of_id == reward.pk
    assert waiting.amount == Decimal("40.00")
    assert waiting.reference_order_id is None
    assert waiting.line_items.get().recipient_email == "new@example.com"
    assert waiting.approval_request.rule_codes == ",per_order,"
    reward.refresh_from_db()
    assert reward.reissue_requested_at is not None  # claimed while it waits
    assert "awaiting approval" in reissue_blocker(reward)
    with pytest.raises(ActionNotAllowed):
        _ask_higher(reward, requester)
    assert Order.objects.filter(reissue_of=reward).count() == 1


def test_a_reissue_no_rule_holds_is_made_at_once(fake_tango, reward, requester, policy):
    result = reissue_line_item(line_item_id=reward.pk, actor=requester, reason_code="RECIPIENT")
    assert not result.waiting
    assert fake_tango.count("reissue_line_item") == 1
    assert Order.objects.filter(reissue_of=reward).count() == 1


def test_the_requester_cannot_approve_it_whatever_their_role(fake_tango, reward, make_user, policy):
    admin = Actor.for_user(make_user("Admin", is_superuser=True))
    result = _ask_higher(reward, admin)
    request = ApprovalRequest.objects.get(order_id=result.order_id)
    with pytest.raises(ActionNotAllowed, match="You created this order"):
        approve_request(request_id=request.pk, actor=admin)
    assert Order.objects.get(pk=result.order_id).state == "awaiting_approval"


def test_approval_reissues_once_at_tango_onto_the_same_order(
    fake_tango, reward, requester, manager, policy, sent_tasks, django_capture_on_commit_callbacks
):
    result = _ask_higher(reward, requester)
    request = ApprovalRequest.objects.get(order_id=result.order_id)

    with django_capture_on_commit_callbacks(execute=True):
        approve_request(request_id=request.pk, actor=manager)

    assert ("entry.tasks.place_reissue_task", {"order_id": result.order_id}) in sent_tasks
    assert not any(name == "orders.tasks.placement.place_order_task" for name, _ in sent_tasks)
    assert place_approved_reissue(order_id=result.order_id) == "reissued"
    assert place_approved_reissue(order_id=result.order_id) == "not_claimed"  # a redelivery

    (call,) = [kw for name, kw in fake_tango.calls if name == "reissue_line_item"]
    assert call["reference_line_item_id"] == reward.reference_line_item_id
    assert call["amount"] == Decimal("40.00")
    assert call["recipient"] == {"email": "new@example.com"}
    assert call["reason_code"] == "REWARD_AMOUNT"
    assert fake_tango.count("create_order") == 0
    new = Order.objects.get(pk=result.order_id)  # the same local order, now placed
    assert new.state == "placed" and new.reference_order_id
    assert new.reissue_of_id == reward.pk
    assert new.line_items.get().reference_line_item_id
    assert Order.objects.filter(reissue_of=reward).count() == 1
    reward.refresh_from_db()
    assert reward.status == "CANCELLED"
    assert reissue_blocker(reward).startswith("Already reissued as order")
    assert OrderEvent.objects.filter(order=new, kind="reissue").exists()


def test_a_lost_answer_after_approval_is_adopted_not_posted_again(
    fake_tango, reward, requester, manager, policy
):
    result = _ask_higher(reward, requester)
    approve_request(
        request_id=ApprovalRequest.objects.get(order_id=result.order_id).pk, actor=manager
    )
    fake_tango.lose_next_reissue = True

    assert place_approved_reissue(order_id=result.order_id) == "adopted"

    assert fake_tango.count("reissue_line_item") == 1
    new = Order.objects.get(pk=result.order_id)
    assert new.state == "placed" and new.reference_order_id
    assert Order.objects.filter(reissue_of=reward).count() == 1


def test_a_redelivered_placement_only_looks_it_up(fake_tango, reward, requester, manager, policy):
    result = _ask_higher(reward, requester)
    approve_request(
        request_id=ApprovalRequest.objects.get(order_id=result.order_id).pk, actor=manager
    )
    Order.objects.filter(pk=result.order_id).update(placement_attempts=1)  # an earlier try

    assert place_approved_reissue(order_id=result.order_id) == "resolving"
    assert fake_tango.count("reissue_line_item") == 0


def test_tangos_refusal_after_approval_frees_the_reward(
    fake_tango, reward, requester, manager, policy
):
    result = _ask_higher(reward, requester)
    approve_request(
        request_id=ApprovalRequest.objects.get(order_id=result.order_id).pk, actor=manager
    )
    fake_tango.errors["reissue_line_item"] = TangoRewardStatusRefused(
        "Cannot reissue", status_code=403, i18n_key="403.010"
    )

    assert place_approved_reissue(order_id=result.order_id) == "refused"

    order = Order.objects.get(pk=result.order_id)
    assert order.state == "placement_failed" and order.reissue_of_id is None
    reward.refresh_from_db()
    assert reward.reissue_requested_at is None


def test_rejection_frees_the_reward_on_both_timelines(
    fake_tango, reward, requester, manager, policy
):
    result = _ask_higher(reward, requester)
    request = ApprovalRequest.objects.get(order_id=result.order_id)

    reject_requests(request_ids=[request.pk], actor=manager, reason="too much")

    reward.refresh_from_db()
    assert reward.reissue_requested_at is None
    order = Order.objects.get(pk=result.order_id)
    assert order.state == "rejected" and order.reissue_of_id is None
    for timeline in (reward.order_id, order.pk):
        assert OrderEvent.objects.filter(
            order_id=timeline, kind="reissue", message__contains="not made: rejected"
        ).exists()
    assert reissue_blocker(reward) is None  # free to reissue again
    assert fake_tango.count("reissue_line_item") == 0


def test_expiry_frees_the_reward(fake_tango, reward, requester, policy):
    result = _ask_higher(reward, requester)
    ApprovalRequest.objects.filter(order_id=result.order_id).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    assert expire_requests() == 1

    reward.refresh_from_db()
    assert reward.reissue_requested_at is None
    assert Order.objects.get(pk=result.order_id).state == "withdrawn"
    assert OrderEvent.objects.filter(
        order_id=reward.order_id, kind="reissue", message__contains="not approved in time"
    ).exists()
    assert reissue_blocker(reward) is None


def test_the_original_order_page_says_a_reissue_is_awaiting_approval(
    client, make_user, fake_tango, reward, requester, policy
):
    from django.urls import reverse

    result = _ask_higher(reward, requester)
    client.force_login(make_user("Manager"))

    html = client.get(reverse("orders:detail", args=[reward.order_id])).content.decode()

    assert "a reissue is awaiting approval" in html
    assert reverse("orders:detail", args=[result.order_id]) in html
    assert reverse("entry:reissue", args=[reward.pk]) not in html  # no second reissue offered
