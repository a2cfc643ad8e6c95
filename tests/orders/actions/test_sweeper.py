"""The sweeper (orders/actions/sweeper.py): placements whose task was lost are re-driven, a
draining backlog is left alone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.actions.sweeper import sweep_stuck_placements
from orders.models import Order, OrderEvent
from orders.statuses import PlacementState
from tests.factories import OrderEventFactory, OrderFactory

# Also run on the embedded SQLite default in CI's smoke lane.
pytestmark = pytest.mark.smoke


def _queued_at(order, moment, **fields):
    Order.objects.filter(pk=order.pk).update(updated_at=moment, **fields)


def _claim_seen_at(moment):
    """A placement attempt somewhere at `moment`: the queue is moving."""
    OrderEventFactory(
        order=OrderFactory(placed=True),
        kind=OrderEvent.Kind.PLACEMENT_ATTEMPT,
        source="worker",
        occurred_at=moment,
    )


def sweep(now, django_capture_on_commit_callbacks, **kwargs):
    kwargs.setdefault("queued_stale_after", timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        return sweep_stuck_placements(now=now, **kwargs)


@pytest.mark.django_db
def test_sweeper_requeues_placing_orders_whose_worker_died(
    account, catalog, enqueued, django_capture_on_commit_callbacks
):
    now = timezone.now()
    dead = OrderFactory(state=PlacementState.PLACING, placing_since=now - timedelta(minutes=10))
    busy = OrderFactory(state=PlacementState.PLACING, placing_since=now - timedelta(seconds=20))
    _claim_seen_at(now)

    result = sweep(
        now, django_capture_on_commit_callbacks, placing_stale_after=timedelta(minutes=5)
    )

    assert (result.requeued_placing, result.reenqueued_queued) == (1, 0)
    assert enqueued == [dead.pk]
    states = dict(Order.objects.values_list("pk", "state"))
    assert states[dead.pk] == "queued" and states[busy.pk] == "placing"
    assert Order.objects.get(pk=dead.pk).placing_since is None


@pytest.mark.django_db
def test_sweeper_leaves_a_draining_backlog_alone(
    account, catalog, enqueued, django_capture_on_commit_callbacks
):
    now = timezone.now()
    backlog = OrderFactory.create_batch(50)
    for order in backlog:  # queued 15 minutes ago, still waiting their turn at 1/s
        _queued_at(order, now - timedelta(minutes=15), created_at=now - timedelta(minutes=15))
    _claim_seen_at(now - timedelta(seconds=5))
    older = OrderFactory(placed=True)  # created before them: being first is expected
    Order.objects.filter(pk=older.pk).update(
        created_at=now - timedelta(minutes=16), placed_at=now - timedelta(minutes=14)
    )

    assert sweep(now, django_capture_on_commit_callbacks).reenqueued_queued == 0
    assert enqueued == []


@pytest.mark.django_db
def test_sweeper_redrives_an_order_overtaken_by_a_younger_one(
    account, catalog, enqueued, django_capture_on_commit_callbacks
):
    now = timezone.now()
    _claim_seen_at(now - timedelta(seconds=5))
    lost = OrderFactory()  # its message died with a worker
    _queued_at(lost, now - timedelta(minutes=20))
    younger = OrderFactory(placed=True)
    Order.objects.filter(pk=younger.pk).update(
        created_at=now - timedelta(minutes=19), placed_at=now - timedelta(minutes=15)
    )
    behind = OrderFactory()  # enqueued after `younger` was created: not overtaken
    _queued_at(behind, now - timedelta(minutes=18))

    result = sweep(now, django_capture_on_commit_callbacks)

    assert result.reenqueued_queued == 1 and enqueued == [lost.pk]
    # Touched: the next sweep a minute later leaves it alone.
    enqueued.clear()
    sweep(now + timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert enqueued == []


@pytest.mark.django_db
def test_sweeper_redrives_everything_old_when_nothing_is_being_claimed(
    account, catalog, enqueued, django_capture_on_commit_callbacks
):
    now = timezone.now()
    _claim_seen_at(now - timedelta(minutes=30))
    old, fresh = OrderFactory(), OrderFactory()
    _queued_at(old, now - timedelta(minutes=11))

    assert sweep(now, django_capture_on_commit_callbacks).reenqueued_queued == 1
    assert enqueued == [old.pk] and fresh.pk not in enqueued


@pytest.mark.django_db
def test_sweeper_redrives_a_retry_whose_countdown_message_was_lost(
    account, catalog, enqueued, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}  # countdown <= 300 s
    now = timezone.now()
    _claim_seen_at(now - timedelta(seconds=5))
    lost = OrderFactory(placement_attempts=1)
    waiting = OrderFactory(placement_attempts=1)
    _queued_at(lost, now - timedelta(minutes=16))  # > 10 min + 5 min of countdown
    _queued_at(waiting, now - timedelta(minutes=14))

    assert sweep(now, django_capture_on_commit_callbacks).reenqueued_queued == 1
    assert enqueued == [lost.pk]
