"""Racing re-orders and reissues on PostgreSQL: however many requests race, one new order per
failed line, one reissue call per reward."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from core.actor import Actor
from core.errors import ActionNotAllowed
from entry.actions.reorder import ReorderLine, reorder_failed
from orders.models import LineItem, Order

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
RACERS = 6


def _race(target, count: int) -> list[object]:
    """Run `target` in `count` threads released at once; each thread's result or exception."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(n: int) -> None:
        try:
            barrier.wait()
            results[n] = target()
        except Exception as exc:
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_racing_reorders_of_a_failed_order_create_one_new_order(failed_order, make_user):
    failed = failed_order.line_items.get()
    people = [Actor.for_user(make_user("Support", username=f"s{n}")) for n in range(RACERS)]
    turn = iter(people)
    lock = threading.Lock()

    def one() -> object:
        with lock:
            actor = next(turn)  # two people, two tabs and double clicks alike
        return reorder_failed(
            order_id=failed_order.pk, lines=[ReorderLine.same_as(failed)], actor=actor
        )

    results = _race(one, RACERS)

    assert Order.objects.filter(reorder_of=failed).count() == 1
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1
    assert all(isinstance(r, ActionNotAllowed) for r in losses), losses


def test_racing_reorders_of_a_partial_order_create_one_order_per_failed_line(
    partial_order, make_user
):
    failed = list(partial_order.line_items.filter(status="FAILED").order_by("line_number"))
    actor = Actor.for_user(make_user("Manager"))

    def both() -> object:
        # Some racers ask for both lines, some for one: still one re-order per line.
        return reorder_failed(
            order_id=partial_order.pk,
            lines=[ReorderLine.same_as(li) for li in failed],
            actor=actor,
        )

    def second_only() -> object:
        return reorder_failed(
            order_id=partial_order.pk, lines=[ReorderLine.same_as(failed[1])], actor=actor
        )

    barrier_targets = [both, second_only] * (RACERS // 2)
    index = iter(range(RACERS))
    lock = threading.Lock()

    def pick() -> object:
        with lock:
            target = barrier_targets[next(index)]
        return target()

    results = _race(pick, RACERS)

    # Every racer asks for line 3: it is re-ordered exactly once. Line 2 is re-ordered once,
    # or not at all when a line-3-only request won (a request is all-or-nothing, so the
    # requests for both lines are then refused).
    assert Order.objects.filter(reorder_of=failed[1]).count() == 1
    assert Order.objects.filter(reorder_of=failed[0]).count() <= 1
    wins = [r for r in results if not isinstance(r, Exception)]
    assert len(wins) == 1
    made = LineItem.objects.filter(order__reorder_of__in=failed).count()
    assert made == len(wins[0].orders)
    assert all(isinstance(r, ActionNotAllowed) for r in results if isinstance(r, Exception))


def test_racing_reissues_make_one_call_to_tango(fake_tango, make_user):
    from django.utils import timezone

    from entry.actions.reissue import reissue_line_item
    from tests.factories import placed_line_item

    line = placed_line_item(
        status="COMPLETE", reward_status="ACTIVE", can_cancel=True, date_issued=timezone.now()
    )
    actor = Actor.for_user(make_user("Manager"))

    results = _race(
        lambda: reissue_line_item(line_item_id=line.pk, actor=actor, reason_code="RECIPIENT"),
        RACERS,
    )

    assert fake_tango.count("reissue_line_item") == 1
    assert Order.objects.filter(reissue_of=line).count() == 1
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, ActionNotAllowed) for r in results if isinstance(r, Exception))


def test_racing_reissues_held_for_approval_make_one_waiting_order(fake_tango, make_user):
    from django.utils import timezone

    from approvals.models import ApprovalPolicy, ApprovalRequest
    from entry.actions.reissue import reissue_line_item
    from tests.factories import placed_line_item

    ApprovalPolicy.objects.create(version=1, per_order_limits={"USD": "25.00"})
    line = placed_line_item(
        status="COMPLETE", reward_status="ACTIVE", can_cancel=True, date_issued=timezone.now()
    )
    actor = Actor.for_user(make_user("Support"))

    results = _race(
        lambda: reissue_line_item(
            line_item_id=line.pk, actor=actor, reason_code="REWARD_AMOUNT", amount="40.00"
        ),
        RACERS,
    )

    assert Order.objects.filter(reissue_of=line).count() == 1
    assert ApprovalRequest.objects.filter(order__reissue_of=line).count() == 1
    assert fake_tango.count("reissue_line_item") == 0
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, ActionNotAllowed) for r in results if isinstance(r, Exception))
