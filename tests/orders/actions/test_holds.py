"""Holding and releasing orders (orders/actions/holds.py): one audit row each with the IP, and
the rules that refuse them.
"""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions import holds
from tests.factories import OrderFactory

IP = "10.1.2.3"


def test_hold_and_release_write_one_audit_row_each_with_the_ip(
    staff, django_capture_on_commit_callbacks, record_tasks
):
    enqueued = []
    record_tasks(lambda name, kw: enqueued.append((name, kw["order_id"])))
    order = OrderFactory()  # queued, not placed yet

    holds.hold(
        order_id=order.pk,
        actor=Actor.for_user(staff, ip=IP),
        note="customer asked",
    )
    order.refresh_from_db()
    assert (order.state, order.hold_reason, order.hold_note) == ("held", "staff", "customer asked")
    hold_rows = AuditEntry.objects.filter(action="order.hold")
    assert [(row.ip_address, row.actor) for row in hold_rows] == [(IP, staff)]

    with django_capture_on_commit_callbacks(execute=True):
        holds.release(
            order_id=order.pk,
            actor=Actor.for_user(staff, ip=IP),
            note="ok now",
        )
    order.refresh_from_db()
    assert order.state == "queued"
    assert enqueued == [("orders.tasks.placement.place_order_task", order.pk)]
    assert (
        AuditEntry.objects.filter(
            action="order.release",
        ).count()
        == 1
    )

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ActionNotAllowed),
    ):
        holds.release(
            order_id=order.pk,
            actor=Actor.for_user(staff, ip=IP),
            note="",
        )
    # The double click enqueued nothing more.
    assert enqueued == [("orders.tasks.placement.place_order_task", order.pk)]


def test_hold_is_refused_once_the_order_is_at_tango(staff):
    order = OrderFactory(placed=True)
    with pytest.raises(ActionNotAllowed, match="Tango has no hold API"):
        holds.hold(
            order_id=order.pk,
            actor=Actor.for_user(staff, ip=IP),
            note="x",
        )


def test_hold_needs_a_reason(staff):
    with pytest.raises(ActionNotAllowed, match="reason"):
        holds.hold(
            order_id=OrderFactory().pk,
            actor=Actor.for_user(staff, ip=IP),
            note=" ",
        )


def test_hold_is_offered_only_before_any_placement_attempt(db):
    from orders.actions.holds import hold_blocker
    from tests.factories import OrderFactory

    fresh = OrderFactory()
    assert hold_blocker(fresh) is None
    tried = OrderFactory(placement_attempts=1)
    # An earlier POST may have created it at Tango: holding would hide a delivered reward.
    assert "may already be at Tango" in hold_blocker(tried)
