"""Re-ordering failed rewards (entry.actions.reorder), at the action level."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from approvals.models import ApprovalPolicy
from audit.models import AuditAction, AuditEntry
from core.actor import Actor
from core.errors import ActionNotAllowed, ValidationFailed
from entry.actions.reorder import (
    ReorderLine,
    reorder_blocker,
    reorder_failed,
    reorderable_lines,
)
from orders.models import Order, OrderEvent
from orders.statuses import PlacementState
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def _same(order: Order) -> list[ReorderLine]:
    return [ReorderLine.same_as(li) for li in reorderable_lines(order)]


def test_a_failed_order_is_reordered_with_the_same_reward_amount_and_recipient(
    failed_order, make_user, sent_tasks, django_capture_on_commit_callbacks
):
    support = make_user("Support")
    failed = failed_order.line_items.get()

    with django_capture_on_commit_callbacks(execute=True):
        result = reorder_failed(
            order_id=failed_order.pk, lines=_same(failed_order), actor=Actor.for_user(support)
        )

    new = Order.objects.get(pk=result.orders[0].pk)
    line = new.line_items.get()
    assert new.reorder_of_id == failed.pk
    assert new.state == PlacementState.QUEUED  # no policy: queued for placement
    assert new.created_by == support
    assert new.campaign == "Survey thanks"
    assert (line.utid, line.amount, line.recipient_email) == (
        failed.utid,
        Decimal("40.00"),
        "jane@example.com",
    )
    assert new.external_ref_id != failed_order.external_ref_id
    # Linked both ways on the timeline.
    there = OrderEvent.objects.get(order=failed_order, kind=OrderEvent.Kind.REORDER)
    back = OrderEvent.objects.get(order=new, kind=OrderEvent.Kind.REORDER)
    assert f"re-ordered as order {new.pk}" in there.message
    assert there.line_item_id == failed.pk
    assert f"Re-order of line 1 of order {failed_order.pk}" in back.message
    assert AuditEntry.objects.filter(action=AuditAction.ORDER_REORDER).count() == 1
    assert [name for name, kw in sent_tasks if kw.get("order_id") == new.pk]
    assert "1 failed reward re-ordered. Queued for placement" in result.message


def test_amount_and_recipient_can_be_changed_before_submitting(failed_order, make_user):
    failed = failed_order.line_items.get()
    edited = ReorderLine(
        line_item_id=failed.pk,
        amount="55.00",
        recipient_first_name="Janet",
        recipient_last_name="Doe",
        recipient_email="janet@example.com",
    )
    result = reorder_failed(
        order_id=failed_order.pk, lines=[edited], actor=Actor.for_user(make_user("Support"))
    )
    line = result.orders[0].line_items.get()
    assert (line.amount, line.recipient_first_name, line.recipient_email) == (
        Decimal("55.00"),
        "Janet",
        "janet@example.com",
    )


def test_only_the_failed_lines_of_a_partial_order_are_reordered(partial_order, make_user):
    complete, second, third = partial_order.line_items.order_by("line_number")
    assert [li.pk for li in reorderable_lines(partial_order)] == [second.pk, third.pk]
    assert reorder_blocker(complete) == "Line 1 did not fail."
    actor = Actor.for_user(make_user("Manager"))
    with pytest.raises(ActionNotAllowed, match="did not fail"):
        reorder_failed(
            order_id=partial_order.pk, lines=[ReorderLine.same_as(complete)], actor=actor
        )

    result = reorder_failed(order_id=partial_order.pk, lines=_same(partial_order), actor=actor)

    assert [o.reorder_of_id for o in result.orders] == [second.pk, third.pk]
    assert result.outcome.batch == f"re-order of {partial_order}"
    assert reorderable_lines(partial_order) == []


def test_a_reward_is_reordered_once_while_its_reorder_is_live(failed_order, make_user):
    actor = Actor.for_user(make_user("Support"))
    failed = failed_order.line_items.get()
    first = reorder_failed(order_id=failed_order.pk, lines=_same(failed_order), actor=actor)

    with pytest.raises(ActionNotAllowed, match=f"already re-ordered as order {first.orders[0].pk}"):
        reorder_failed(order_id=failed_order.pk, lines=[ReorderLine.same_as(failed)], actor=actor)
    assert Order.objects.filter(reorder_of=failed).count() == 1

    # The re-order failed at Tango too: the reward can be re-ordered again.
    Order.objects.filter(pk=first.orders[0].pk).update(state="placed", tango_status="FAILED")
    again = reorder_failed(
        order_id=failed_order.pk, lines=[ReorderLine.same_as(failed)], actor=actor
    )
    assert again.orders[0].reorder_of_id == failed.pk


@pytest.mark.parametrize("ended", ["rejected", "withdrawn"])
def test_a_rejected_or_expired_reorder_frees_the_reward(failed_order, make_user, ended):
    actor = Actor.for_user(make_user("Support"))
    first = reorder_failed(order_id=failed_order.pk, lines=_same(failed_order), actor=actor)
    assert reorderable_lines(failed_order) == []
    Order.objects.filter(pk=first.orders[0].pk).update(state=ended)
    assert len(reorderable_lines(failed_order)) == 1


def test_a_failed_reorder_reordered_again_links_to_the_first_failed_reward(failed_order, make_user):
    actor = Actor.for_user(make_user("Support"))
    original = failed_order.line_items.get()
    first = reorder_failed(order_id=failed_order.pk, lines=_same(failed_order), actor=actor)
    reorder = first.orders[0]
    Order.objects.filter(pk=reorder.pk).update(state="placed", tango_status="FAILED")
    reorder.line_items.update(status="FAILED")

    second = reorder_failed(order_id=reorder.pk, lines=_same(reorder), actor=actor)

    assert second.orders[0].reorder_of_id == original.pk
    # The chain has one live re-order: the first failed order cannot be re-ordered beside it.
    assert reorderable_lines(failed_order) == []


def test_a_reorder_goes_through_the_approval_policy(failed_order, make_user):
    ApprovalPolicy.objects.create(version=1, per_order_limits={"USD": "30.00"})
    failed = failed_order.line_items.get()
    result = reorder_failed(
        order_id=failed_order.pk,
        lines=[ReorderLine.same_as(failed)],
        actor=Actor.for_user(make_user("Support")),
    )
    new = Order.objects.get(pk=result.orders[0].pk)
    assert new.state == PlacementState.AWAITING_APPROVAL
    assert result.outcome.orders[0].reason.startswith("Waiting for approval: amount 40.00 USD")


def test_every_problem_of_every_line_is_reported_and_nothing_is_written(partial_order, make_user):
    _, second, third = partial_order.line_items.order_by("line_number")
    bad = [
        ReorderLine(
            line_item_id=second.pk,
            amount="0",
            recipient_first_name="A",
            recipient_email="a@example.com",
        ),
        ReorderLine(
            line_item_id=third.pk,
            amount="20.00",
            recipient_first_name="",
            recipient_email="not-an-email",
        ),
    ]
    before = Order.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        reorder_failed(
            order_id=partial_order.pk, lines=bad, actor=Actor.for_user(make_user("Support"))
        )
    fields = set(caught.value.problems.fields())
    assert {
        f"lines[{second.pk}].amount",
        f"lines[{third.pk}].recipient_first_name",
        f"lines[{third.pk}].recipient_email",
    } <= fields
    assert Order.objects.count() == before
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.REORDER).exists()


def test_a_completed_or_unplaced_order_has_nothing_to_reorder(make_user):
    order = OrderFactory(placed=True)
    line = order.line_items.get()
    assert reorder_blocker(line) == "Only rewards of FAILED or PARTIAL orders can be re-ordered."
    with pytest.raises(ActionNotAllowed):
        reorder_failed(order_id=order.pk, lines=[ReorderLine.same_as(line)], actor=Actor.system())
    with pytest.raises(ActionNotAllowed, match="at least one"):
        reorder_failed(order_id=order.pk, lines=[], actor=Actor.system())


def test_the_database_allows_one_live_reorder_per_failed_reward(failed_order):
    """The constraint behind the row lock, without the action's checks."""
    failed = failed_order.line_items.get()
    OrderFactory(reorder_of=failed, state="queued")
    OrderFactory(reorder_of=failed, state="rejected")  # ended: does not count
    OrderFactory(reorder_of=failed, state="placed", tango_status="FAILED")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(reorder_of=failed, state="awaiting_approval")
