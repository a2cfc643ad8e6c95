"""The sync passes (orders/sync/passes.py): open and recent orders, stuck orders, the one-order
refresh, their tasks and the sync_tango command, and convergence with the simulator.

Unit tests use `FakeTango` (tango.testing, installed by the `fake_tango` fixture), an in-memory
stand-in with the client's method signatures whose answers are parsed by the real `tango.types`
(from Tango-shaped JSON). The convergence test runs the real client against the simulator after
faults.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from core.actor import Actor
from orders.actions import refresh
from orders.models import Account, LineItem, Order, OrderEvent
from orders.statuses import PlacementState
from orders.sync import passes, reference
from orders.sync.orders import sync_orders_window
from tango.errors import TangoRejected, TangoUnavailable
from tango.testing import T0, WINDOW, FakeTango
from tests.factories import OrderFactory

# Scenario cents (tango_sim README): the fate of each order at the simulator.
SCENARIOS = {
    "00": "COMPLETE",
    "11": "PENDING -> COMPLETE after 1 h",
    "12": "QUEUED -> COMPLETE after 10 min",
    "13": "PENDING_MR until an admin transition",
    "16": "PENDING_PAYMENT -> COMPLETE after 2 h",
    "17": "FAILED",
    "18": "PENDING -> FAILED after 1 h",
    "21": "email BOUNCE",
    "23": "reward REDEEMED",
}


def _sync_cycle() -> int:
    """What beat runs, in order; a failing pass is what a task retry would redo. Returns fails."""
    failures = 0
    for run in (
        reference.sync_accounts,
        passes.sync_open_orders,
        passes.sync_recent_orders,
        passes.sync_recent_line_items,
    ):
        try:
            run()
        except TangoUnavailable:
            failures += 1
    return failures


def _tango_state(client: Any) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    orders = {o.reference_order_id: o.status or "" for o in client.iter_orders()}
    lines = {
        li.reference_line_item_id: (
            li.status or "",
            li.email_status or "",
            li.delivery_status or "",
            li.reward_status or "",
        )
        for li in client.iter_line_items()
    }
    return orders, lines


def _local_state() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    orders = dict(Order.objects.values_list("reference_order_id", "tango_status"))
    lines = {
        ref: (status, email, delivery, reward)
        for ref, status, email, delivery, reward in LineItem.objects.values_list(
            "reference_line_item_id", "status", "email_status", "delivery_status", "reward_status"
        )
    }
    return orders, lines


def test_open_orders_few_are_fetched_one_by_one(fake_tango: FakeTango, account: Account) -> None:
    refs = fake_tango.seed(3, status="PENDING", line_status="PENDING")
    sync_orders_window(**WINDOW)
    fake_tango.set_status(refs[1], "COMPLETE", "COMPLETE")
    fake_tango.calls.clear()

    report = passes.sync_open_orders()

    assert fake_tango.count("get_order") == 3 and fake_tango.count("list_orders") == 0
    assert report.updated == 1
    assert Order.objects.get(reference_order_id=refs[1]).tango_status == "COMPLETE"


def test_open_orders_many_are_read_by_windows(fake_tango: FakeTango, account: Account) -> None:
    # Two clusters of open orders four days apart, plus completed orders in between.
    refs = fake_tango.seed(30, status="PENDING", line_status="PENDING", step=timedelta(minutes=1))
    refs += [f"RA261106-{n}-11" for n in range(20)]
    for n, ref in enumerate(refs[30:]):
        fake_tango.add(ref, created=T0 + timedelta(days=4, minutes=n), status="PENDING_MR")
    fake_tango.seed(0)
    sync_orders_window(start=T0 - timedelta(hours=1), end=T0 + timedelta(days=5))
    fake_tango.set_status(refs[40], "COMPLETE", "COMPLETE")
    fake_tango.calls.clear()

    report = passes.sync_open_orders()

    assert fake_tango.count("get_order") == 0
    assert fake_tango.count("list_orders") == 2  # one window per cluster, one page each
    assert report.updated == 1
    assert Order.objects.get(reference_order_id=refs[40]).tango_status == "COMPLETE"


def test_covering_windows_group_close_moments() -> None:
    times = [T0, T0 + timedelta(hours=1), T0 + timedelta(days=3), T0 + timedelta(days=3, hours=2)]
    windows = passes.covering_windows(times, now=T0 + timedelta(days=3, hours=2, seconds=5))
    assert len(windows) == 2
    assert windows[0][0] < T0 and windows[0][1] > T0 + timedelta(hours=1)
    assert windows[1][0] < T0 + timedelta(days=3) < windows[1][1]
    # Never past "now": Tango refuses future dates.
    assert windows[1][1] == T0 + timedelta(days=3, hours=2, seconds=5)


def test_sync_recent_orders_uses_the_last_days(fake_tango: FakeTango, account: Account) -> None:
    now = datetime.now(UTC)
    fake_tango.add("RA-OLD-1", created=now - timedelta(days=30))
    fake_tango.add("RA-NEW-1", created=now - timedelta(days=1))

    passes.sync_recent_orders(days=7)

    assert list(Order.objects.values_list("reference_order_id", flat=True)) == ["RA-NEW-1"]


def test_refresh_order_reads_order_and_line_items(
    fake_tango: FakeTango, account: Account, make_user
) -> None:
    order = OrderFactory(placed=True, tango_status="PENDING", line_item__status="PENDING")
    fake_tango.add(order.reference_order_id, created=T0, status="COMPLETE")
    fake_tango.lines[f"{order.reference_order_id}-1"]["emailStatus"] = "DELIVERED"
    user = make_user("Support")

    refreshed = refresh.refresh_order(order_id=order.pk, actor=Actor.for_user(user, ip="10.0.0.9"))

    assert refreshed.tango_status == "COMPLETE" and refreshed.last_synced_at is not None
    assert refreshed.line_items.get().email_status == "DELIVERED"
    event = refreshed.events.get(kind=OrderEvent.Kind.STATUS_CHANGED)
    assert event.actor == user
    assert AuditEntry.objects.filter(action="order.refresh", actor=user).count() == 1
    assert AuditEntry.objects.get(action="order.refresh").ip_address == "10.0.0.9"


def test_refresh_of_an_unplaced_order_is_refused(fake_tango: FakeTango, account: Account) -> None:
    order = OrderFactory()
    with pytest.raises(passes.OrderNotPlaced):
        passes.refresh_order(order_id=order.pk)
    assert fake_tango.calls == []


def test_stuck_pending_orders_are_flagged_once(db) -> None:
    now = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # a Wednesday
    old = OrderFactory(
        placed=True, tango_status="PENDING", tango_created_at=now - timedelta(days=2)
    )
    OrderFactory(placed=True, tango_status="PENDING", tango_created_at=now - timedelta(hours=20))
    OrderFactory(placed=True, tango_status="COMPLETE", tango_created_at=now - timedelta(days=5))

    assert list(Order.objects.stuck(now)) == [old]
    assert passes.flag_stuck_orders(now=now) == 1
    assert passes.flag_stuck_orders(now=now + timedelta(hours=1)) == 0
    event = old.events.get(kind=OrderEvent.Kind.STUCK)
    assert old.reference_order_id in event.message


def test_task_retries_when_tango_is_unavailable(fake_tango: FakeTango, account: Account) -> None:
    from orders.tasks import sync as sync_tasks

    fake_tango.fail_with = TangoUnavailable("down", status_code=503, retry_after=9)
    # Called directly (no worker, no eager mode): the retry is what the task asks Celery for.
    with (
        mock.patch.object(
            sync_tasks.sync_recent_orders, "retry", side_effect=Retry("later")
        ) as retry,
        pytest.raises(Retry),
    ):
        sync_tasks.sync_recent_orders()

    assert fake_tango.count("list_orders") == 1
    (kwargs,) = [call.kwargs for call in retry.call_args_list]
    assert isinstance(kwargs["exc"], TangoUnavailable)
    assert kwargs["countdown"] >= 9  # honours Tango's retry_after
    assert sync_tasks.sync_recent_orders.max_retries == sync_tasks.PERIODIC_RETRIES


def test_task_does_not_retry_a_rejection(fake_tango: FakeTango, account: Account) -> None:
    from orders.tasks import sync as sync_tasks

    fake_tango.fail_with = TangoRejected("bad filter", status_code=422)
    with (
        mock.patch.object(sync_tasks.sync_recent_orders, "retry") as retry,
        pytest.raises(TangoRejected),
    ):
        sync_tasks.sync_recent_orders()
    retry.assert_not_called()
    assert fake_tango.count("list_orders") == 1


def test_task_runs_the_service(fake_tango: FakeTango, account: Account) -> None:
    from orders.tasks.sync import sync_recent_orders

    fake_tango.add("RA-NEW-2", created=datetime.now(UTC) - timedelta(hours=2))
    summary = sync_recent_orders()
    assert summary["created"] == 1


@pytest.mark.integration
def test_sync_converges_with_the_simulator_after_faults(db, tmp_path, settings, writes) -> None:
    from orders.actions.entry import create_order
    from orders.actions.placement import place_order
    from tango.client import get_client, reset_client
    from tango.types import Recipient
    from tango_sim.testing import running_simulator

    with running_simulator(tmp_path, TANGO_SIM_ORDER_TPS="0") as sim:
        settings.TANGO_BASE_URL = sim.base_url
        settings.TANGO_ORDER_RATE = 0
        reset_client()
        try:
            client = get_client()
            reference.sync_accounts()
            reference.sync_catalog(force=True)
            # Orders placed elsewhere (another tool, Tango's portal): the sync must import them.
            for n, cents in enumerate(sorted(SCENARIOS) * 3):
                client.create_order(
                    customer_identifier="acme-main",
                    account_identifier="acme-usd-01",
                    utid="U100001",
                    amount=Decimal(f"{10 + n}.{cents}"),
                    delivery_method="EMAIL",
                    external_ref_id=f"elsewhere-{n}",
                    recipient=Recipient(first_name="Ann", email=f"ann{n}@example.com"),
                )
            # And orders of ours, placed through the placement service.
            ours = []
            for cents in ("11", "13"):
                order = create_order(
                    account=Account.objects.get(identifier="acme-usd-01"),
                    utid="U100001",
                    amount=f"50.{cents}",
                    delivery_method="EMAIL",
                    recipient_first_name="Bo",
                    recipient_email="bo@example.com",
                    actor=Actor.system(),
                )
                place_order(order_id=order.pk)
                ours.append(order.pk)

            sim.configure(faults={"rates": {"500": 0.25, "503": 0.25, "429": 0.2}, "seed": 11})
            failed_passes = _sync_cycle() + _sync_cycle()
            assert failed_passes > 0, "the faults should have broken some passes"

            sim.configure(faults={})
            sim.advance(3 * 3600)  # PENDING/QUEUED/PENDING_PAYMENT settle, emails get DELIVERED
            pending_mr = next(
                ref for ref, status in _tango_state(client)[0].items() if status == "PENDING_MR"
            )
            sim.transition(pending_mr, "COMPLETE", "COMPLETE")

            assert _sync_cycle() == 0
            assert _sync_cycle() == 0

            tango_orders, tango_lines = _tango_state(client)
            local_orders, local_lines = _local_state()
            assert len(tango_orders) == 3 * len(SCENARIOS) + 2
            assert local_orders == tango_orders
            assert local_lines == tango_lines
            assert {"COMPLETE", "FAILED", "PENDING_MR"} <= set(local_orders.values())
            assert Order.objects.filter(pk__in=ours, state=PlacementState.PLACED).count() == 2
            refreshed = passes.refresh_order(order_id=ours[0])  # "Refresh from Tango", for real
            assert (
                refreshed.tango_status == tango_orders[refreshed.reference_order_id] == "COMPLETE"
            )
            # A third pass over the settled data writes nothing.
            with CaptureQueriesContext(connection) as ctx:
                assert _sync_cycle() == 0
            account_writes = [sql for sql in writes(ctx) if "orders_account" in sql]
            assert [sql for sql in writes(ctx) if sql not in account_writes] == []
        finally:
            reset_client()


def test_periodic_pass_is_single_flight_with_redis(settings) -> None:
    import redis

    from orders.tasks.sync import single_flight

    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running")
    name = f"test-{os.getpid()}"
    with single_flight(name) as first, single_flight(name) as second:
        assert (first, second) == (True, False)
    with single_flight(name) as again:
        assert again is True  # released on exit


def test_sync_tango_command_runs_passes(fake_tango: FakeTango, account: Account) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    fake_tango.add("RA-CMD-1", created=datetime.now(UTC) - timedelta(hours=1))
    out = StringIO()
    call_command("sync_tango", "--what", "recent,stuck", stdout=out)
    assert "recent: " in out.getvalue() and "created=1" in out.getvalue()
    assert "stuck: flagged=0" in out.getvalue()
    with pytest.raises(CommandError, match="Unknown pass"):
        call_command("sync_tango", "--what", "everything")
