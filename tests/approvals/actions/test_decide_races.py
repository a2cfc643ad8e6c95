"""Concurrent approvals of one order place it once (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from approvals.actions.decide import approve_request
from approvals.actions.submit import submit_orders
from approvals.models import Approval, ApprovalRequest
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.statuses import PlacementState as _P

PLACE = "orders.tasks.placement.place_order_task"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real row locks"),
]


def race(request_id: int, users: list) -> list[str]:
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def approve(user) -> None:
        from django.db import connections

        barrier.wait()
        try:
            outcomes.append(
                approve_request(request_id=request_id, actor=Actor.for_user(user)).outcome
            )
        except ActionNotAllowed as refusal:
            outcomes.append(f"refused: {refusal}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("who", ["two managers", "one manager twice"])
def test_concurrent_approvals_queue_the_order_once(who, policy, draft, people, sent_tasks):
    order = draft(people["support"], "600.00")
    submit_orders([order], actor=Actor.for_user(people["support"]))
    request = ApprovalRequest.objects.get(order=order)
    users = (
        [people["manager"], people["manager2"], people["admin"]]
        if who == "two managers"
        else [people["manager"]] * 3
    )
    outcomes = race(request.pk, users)
    assert sorted(o.split(":")[0] for o in outcomes) == ["queued", "refused", "refused"]
    order.refresh_from_db()
    assert order.state == _P.QUEUED
    assert [kw["order_id"] for name, kw in sent_tasks if name == PLACE] == [order.pk]
    assert Approval.objects.filter(request=request).count() == 1


def test_two_approvers_racing_on_a_dual_approval_both_count(policy, draft, people, sent_tasks):
    order = draft(people["support"], "1600.00")
    submit_orders([order], actor=Actor.for_user(people["support"]))
    request = ApprovalRequest.objects.get(order=order)
    outcomes = race(request.pk, [people["manager"], people["admin"]])
    assert sorted(outcomes) == ["approved_once", "queued"]
    assert [kw["order_id"] for name, kw in sent_tasks if name == PLACE] == [order.pk]
