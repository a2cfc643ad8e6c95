"""Every (re-)enqueue takes an order down its own path, and late answers are never hidden.

* Bulk orders are placed only through POST /asyncOrders: release, submit and both sweeper
  re-drives go through one dispatcher, and the single-order task refuses a bulk order (it
  would send line 1 with the whole bulk total and drop the other lines).
* Holding is refused once a placement attempt was made (the order may be at Tango already),
  and an answer that arrives for an order held meanwhile adopts it.
* The sweeper's "overtaken" evidence ignores imported orders (their placed_at is Tango's time).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions import bulk_placement, entry
from orders.actions.holds import hold_order, release_order, submit_order
from orders.actions.placement import Outcome, place_order
from orders.actions.sweeper import sweep_stuck_placements
from orders.models import Account, Order, OrderEvent
from orders.statuses import HoldReason, PlacementState
from orders.tasks import placement as placement_tasks
from tango.testing import FakeTango
from tests.factories import (
    AccountFactory,
    CatalogItemFactory,
    OrderEventFactory,
    OrderFactory,
    UserFactory,
)

_P = PlacementState


@pytest.fixture(autouse=True)
def no_pacing(settings) -> None:
    settings.TANGO_ORDER_RATE = 0  # pacing has its own tests (test_rate_limit.py)


@pytest.fixture
def tango(fake_tango: FakeTango) -> FakeTango:
    """Tango for bulk orders: a POST /orders (the wrong path) is seen, not a crash."""
    fake_tango.errors["create_order"] = AssertionError(
        "POST /orders must not be called for a bulk order"
    )
    return fake_tango


@pytest.fixture
def enqueued(record_tasks) -> list[tuple[str, int]]:
    """(task, order id) handed to the broker after commit, in order."""
    paths = {
        "orders.tasks.placement.place_order_task": "single",
        "orders.tasks.sync.place_bulk_order_task": "bulk",
    }
    calls: list[tuple[str, int]] = []
    record_tasks(lambda name, kw: calls.append((paths.get(name, name), kw["order_id"])))
    return calls


@pytest.fixture
def account(db) -> Account:
    CatalogItemFactory()
    return AccountFactory(async_orders_enabled=True)


def bulk_order(account: Account, *, submit: bool = True) -> Order:
    lines = [
        {
            "utid": "U100001",
            "amount": amount,
            "recipient_first_name": f"R{n}",
            "recipient_email": f"r{n}@example.com",
        }
        for n, amount in enumerate(("10.00", "20.00", "30.00"), 1)
    ]
    return entry.create_bulk_order(
        account=account, lines=lines, actor=Actor.system(), submit=submit
    )


def drain(enqueued: list[tuple[str, int]]) -> list[str]:
    """Run what was enqueued, as a worker would (called directly: no eager mode)."""
    tasks = {
        "single": placement_tasks.place_order_task,
        "bulk": placement_tasks.place_bulk_order_task,
    }
    results = [tasks[name](pk) for name, pk in enqueued]
    enqueued.clear()
    return results


def test_bulk_order_creation_enqueues_the_bulk_task(
    account, tango, enqueued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = bulk_order(account)
    assert enqueued == [("bulk", order.pk)]


def test_submitting_a_bulk_draft_enqueues_the_bulk_task_and_never_posts_orders(
    account, tango, enqueued, django_capture_on_commit_callbacks
) -> None:
    order = bulk_order(account, submit=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert submit_order(order_id=order.pk, actor=Actor.for_user(UserFactory(role="Manager")))

    assert enqueued == [("bulk", order.pk)]
    assert drain(enqueued) == [str(Outcome.PLACED)]
    assert tango.count("create_order") == 0 and tango.count("create_async_order") == 1
    (sent,) = [kw for name, kw in tango.calls if name == "create_async_order"]
    assert [str(line["amount"]) for line in sent["line_items"]] == ["10.00", "20.00", "30.00"]


@pytest.mark.parametrize("from_state", [_P.HELD, _P.PLACEMENT_FAILED])
def test_releasing_a_bulk_order_enqueues_the_bulk_task_and_never_posts_orders(
    account, tango, enqueued, django_capture_on_commit_callbacks, from_state
) -> None:
    order = bulk_order(account, submit=False)
    Order.objects.filter(pk=order.pk).update(state=from_state)
    with django_capture_on_commit_callbacks(execute=True):
        assert release_order(order_id=order.pk, actor=Actor.for_user(UserFactory(role="Manager")))

    assert enqueued == [("bulk", order.pk)]
    drain(enqueued)
    assert tango.count("create_order") == 0 and tango.count("create_async_order") == 1


def test_sweeper_redrives_bulk_orders_through_the_bulk_task(
    account, tango, enqueued, django_capture_on_commit_callbacks
) -> None:
    now = timezone.now()
    dead = bulk_order(account, submit=False)  # its worker died mid-POST
    lost = bulk_order(account, submit=False)  # its broker message is gone
    single = OrderFactory(account=account)
    Order.objects.filter(pk=dead.pk).update(
        state=_P.PLACING, placing_since=now - timedelta(minutes=10), placement_attempts=1
    )
    Order.objects.filter(pk__in=[lost.pk, single.pk]).update(
        state=_P.QUEUED, updated_at=now - timedelta(minutes=20)
    )
    # Nothing claimed for half an hour: every old QUEUED order is re-driven ("stalled").
    OrderEventFactory(
        order=OrderFactory(placed=True),
        kind=OrderEvent.Kind.PLACEMENT_ATTEMPT,
        source="worker",
        occurred_at=now - timedelta(minutes=30),
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_stuck_placements(now=now, queued_stale_after=timedelta(minutes=10))

    assert (result.requeued_placing, result.reenqueued_queued) == (1, 2)
    assert sorted(enqueued) == sorted([("bulk", dead.pk), ("bulk", lost.pk), ("single", single.pk)])
    bulk_only = [(name, pk) for name, pk in enqueued if name == "bulk"]
    enqueued[:] = bulk_only
    drain(enqueued)
    assert tango.count("create_order") == 0 and tango.count("create_async_order") == 2


def test_the_single_order_task_refuses_a_bulk_order(account, tango, enqueued, caplog) -> None:
    order = bulk_order(account, submit=False)
    Order.objects.filter(pk=order.pk).update(state=_P.QUEUED)

    with caplog.at_level(logging.ERROR, logger="orders.actions.placement"):
        outcome = place_order(order_id=order.pk)
        task_result = placement_tasks.place_order_task(order.pk)

    assert outcome.outcome == Outcome.REFUSED and task_result == str(Outcome.REFUSED)
    assert tango.calls == []  # nothing sent, not even a lookup
    order.refresh_from_db()
    assert (order.state, order.placement_attempts) == (_P.QUEUED, 0)
    assert any("bulk" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


# --- holding after an attempt, late answers --------------------------------------------------


@pytest.mark.django_db
def test_hold_is_refused_once_a_placement_attempt_was_made(enqueued) -> None:
    order = OrderFactory(placement_attempts=1)  # QUEUED again after an attempt lost its answer
    manager = UserFactory(role="Manager")
    with pytest.raises(ActionNotAllowed, match="may already be at Tango"):
        hold_order(
            order_id=order.pk, actor=Actor.for_user(manager), reason=HoldReason.STAFF, note="x"
        )
    order.refresh_from_db()
    assert order.state == _P.QUEUED and order.hold_reason == ""
    # Never attempted: holding is still fine.
    fresh = OrderFactory()
    assert hold_order(
        order_id=fresh.pk, actor=Actor.for_user(manager), reason=HoldReason.STAFF, note="x"
    )


def _held_meanwhile(order_id: int) -> None:
    # The state an order held while its POST was on its way ends up in (held before this
    # release refused it, or by the sweeper re-queueing a slow attempt and staff holding it).
    Order.objects.filter(pk=order_id).update(
        state=_P.HELD, hold_reason=HoldReason.STAFF, hold_note="check PO", placing_since=None
    )


@pytest.mark.django_db
def test_a_late_201_adopts_an_order_held_meanwhile(fake_tango, enqueued) -> None:
    CatalogItemFactory()
    order = OrderFactory(account=AccountFactory())
    fake_tango.hooks["create_order"] = lambda fields: _held_meanwhile(order.pk)

    result = place_order(order_id=order.pk)

    assert result.outcome == Outcome.PLACED
    order.refresh_from_db()
    assert (order.state, order.hold_reason, order.hold_note) == (_P.PLACED, "", "")
    assert order.reference_order_id == result.reference_order_id is not None
    assert order.tango_status == "COMPLETE"
    assert order.events.filter(old_status=_P.HELD, new_status=_P.PLACED).exists()


def test_a_late_bulk_acceptance_adopts_an_order_held_meanwhile(account, tango, enqueued) -> None:
    tango.hooks["create_async_order"] = lambda call: _held_meanwhile(order.pk)
    order = bulk_order(account)

    assert bulk_placement.place_bulk_order(order_id=order.pk).outcome == Outcome.PLACED
    order.refresh_from_db()
    assert (order.state, order.hold_reason) == (_P.PLACED, "")


# --- the sweeper and imported orders ---------------------------------------------------------


@pytest.mark.django_db
def test_an_imported_order_is_no_evidence_that_queued_orders_were_overtaken(
    enqueued, django_capture_on_commit_callbacks
) -> None:
    now = timezone.now()
    OrderEventFactory(  # the queue is moving: not "stalled"
        order=OrderFactory(placed=True),
        kind=OrderEvent.Kind.PLACEMENT_ATTEMPT,
        source="worker",
        occurred_at=now - timedelta(seconds=5),
    )
    waiting = OrderFactory()  # in a long backlog, its message still in the queue
    Order.objects.filter(pk=waiting.pk).update(updated_at=now - timedelta(minutes=20))
    # The sync imported an order placed at Tango by someone else two hours ago: created
    # locally a minute ago, placed_at is Tango's time.
    imported = OrderFactory(placed=True, placement_attempts=0)
    Order.objects.filter(pk=imported.pk).update(
        created_at=now - timedelta(minutes=1), placed_at=now - timedelta(hours=2)
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_stuck_placements(now=now, queued_stale_after=timedelta(minutes=10))

    assert result.reenqueued_queued == 0 and enqueued == []
