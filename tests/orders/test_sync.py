"""Status sync: windows, bulk upserts, no-op passes, imports, events, stuck orders, refresh.

Unit tests use `FakeTango` (tango.testing, installed by the `fake_tango` fixture), an
in-memory stand-in with the client's method signatures whose answers are parsed by the real
`tango.types` (from Tango-shaped JSON), and which refuses pages beyond its result window the
way Tango does (400.021). The last test runs the real client
against the simulator and proves convergence after faults.
"""

from __future__ import annotations

import math
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
from orders.models import Account, Brand, CatalogItem, Customer, LineItem, Order, OrderEvent
from orders.statuses import EventSource, PlacementState
from orders.sync import orders as sync_orders
from orders.sync import passes, reference
from orders.sync.line_items import sync_line_items
from orders.sync.orders import sync_orders_window
from tango.errors import TangoRejected, TangoUnavailable
from tango.testing import T0, WINDOW, FakeTango, tango_line_json
from tests.factories import AccountFactory, OrderFactory


@pytest.fixture
def account(db) -> Account:
    return AccountFactory()


def writes(ctx: CaptureQueriesContext) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(verbs)]


# --- orders ----------------------------------------------------------------------------------


def test_first_pass_imports_orders_placed_outside(fake_tango: FakeTango, account: Account) -> None:
    refs = fake_tango.seed(250, source="RG")

    report = sync_orders_window(**WINDOW)

    assert report.created == 250 and report.updated == 0
    assert fake_tango.count("list_orders") == 3
    order = Order.objects.get(reference_order_id=refs[7])
    assert order.state == PlacementState.PLACED and order.order_source == "RG"
    assert order.account == account and order.tango_status == "COMPLETE"
    assert order.external_ref_id == f"tango-{refs[7]}"  # Tango had no externalRefID for it
    assert order.amount_charged_total == Decimal("25.00")
    line = order.line_items.get()
    assert (line.status, line.utid, line.recipient_email) == (
        "COMPLETE",
        "U100001",
        "jane@example.com",
    )
    created = OrderEvent.objects.filter(kind=OrderEvent.Kind.CREATED, source=EventSource.SYNC)
    assert created.count() == 250


@pytest.mark.parametrize("count", [1, 100, 250])
def test_pass_over_unchanged_data_writes_nothing(
    fake_tango: FakeTango, account: Account, count: int
) -> None:
    fake_tango.seed(count)
    sync_orders_window(**WINDOW)
    sync_line_items(**WINDOW)  # line items fully known too (reference ids, email status...)
    fake_tango.calls.clear()

    with CaptureQueriesContext(connection) as ctx:
        report = sync_orders_window(**WINDOW)
        line_report = sync_line_items(**WINDOW)

    assert writes(ctx) == []
    assert (report.updated, report.created, report.events) == (0, 0, 0)
    assert (line_report.updated, line_report.created, line_report.events) == (0, 0, 0)
    assert fake_tango.count("list_orders") <= math.ceil(count / 100)
    assert fake_tango.count("list_line_items") <= math.ceil(count / 100)
    assert Order.objects.filter(last_synced_at__isnull=False).count() == count


def test_status_changes_are_bulk_updated_with_one_event_each(
    fake_tango: FakeTango, account: Account
) -> None:
    refs = fake_tango.seed(120, status="PENDING", line_status="PENDING")
    sync_orders_window(**WINDOW)

    def change(subset: list[str]) -> int:
        for ref in subset:
            fake_tango.set_status(ref, "COMPLETE", "COMPLETE")
        with CaptureQueriesContext(connection) as ctx:
            report = sync_orders_window(**WINDOW)
        assert report.updated == len(subset)
        return len(ctx.captured_queries)

    # Both passes change rows on both pages (newest first: refs[119] is on page 0).
    few = change([refs[0], refs[119]])
    many = change(refs[1:45] + refs[75:119])
    # 88 changed rows cost what 2 do, give or take one batch: SQLite caps the parameters of
    # one statement (999), so Django splits a big INSERT in two. Never a query per row.
    assert few <= many <= few + 2, (few, many)

    order = Order.objects.get(reference_order_id=refs[0])
    assert order.tango_status == "COMPLETE"
    assert order.line_items.get().status == "COMPLETE"
    event = order.events.get(kind=OrderEvent.Kind.STATUS_CHANGED)
    assert (event.old_status, event.new_status, event.source) == ("PENDING", "COMPLETE", "sync")
    line_event = order.events.get(kind=OrderEvent.Kind.LINE_ITEM_CHANGED)
    assert (line_event.old_status, line_event.new_status) == ("PENDING", "COMPLETE")
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.STATUS_CHANGED).count() == 90
    assert Order.objects.filter(tango_status="PENDING").count() == 30
    assert Order.objects.filter(tango_status="PENDING", reference_order_id=refs[50]).exists()


def test_big_windows_are_split_below_the_result_cap(
    fake_tango: FakeTango, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_orders, "MAX_RESULT_WINDOW", 300)
    fake_tango.max_result_window = 300  # a page past it is refused, as Tango does (400.021)
    fake_tango.seed(1000, step=timedelta(minutes=3))

    report = sync_orders_window(**WINDOW)

    assert Order.objects.count() == 1000
    assert report.windows >= 4
    spans = [
        (c["start_date"], c["end_date"]) for name, c in fake_tango.calls if name == "list_orders"
    ]
    assert len(set(spans)) > 1


def test_our_placed_order_gets_its_reference_and_unplaced_ones_are_left_alone(
    fake_tango: FakeTango, account: Account
) -> None:
    placed = OrderFactory(state=PlacementState.PLACED, is_bulk=True, line_item=None)
    placing = OrderFactory(state=PlacementState.PLACING)
    fake_tango.add("RA261102-1-11", created=T0, external_ref=placed.external_ref_id, source="AA")
    fake_tango.add("RA261102-2-11", created=T0, external_ref=placing.external_ref_id)

    report = sync_orders_window(**WINDOW)

    placed.refresh_from_db()
    placing.refresh_from_db()
    assert placed.reference_order_id == "RA261102-1-11" and placed.tango_status == "COMPLETE"
    assert placing.reference_order_id is None and placing.state == PlacementState.PLACING
    assert report.skipped == 1 and report.created == 0
    assert Order.objects.count() == 2


def test_imported_async_orders_are_bulk(fake_tango: FakeTango, account: Account) -> None:
    fake_tango.add("AA261102-3-11", created=T0, external_ref="their-bulk-7", source="AA")

    sync_orders_window(**WINDOW)

    order = Order.objects.get(reference_order_id="AA261102-3-11")
    assert (order.is_bulk, order.order_source, order.external_ref_id) == (
        True,
        "AA",
        "their-bulk-7",
    )


def test_imported_bulk_order_lines_get_their_own_amounts(
    fake_tango: FakeTango, account: Account
) -> None:
    tango = fake_tango.add(
        "AA261102-4-12", created=T0, amount="80.00", source="AA", with_line=False
    )
    for n, value in ((1, 20.0), (2, 60.0)):
        line = tango_line_json(
            tango,
            referenceLineItemID=f"AA261102-4-12-{n}",
            lineNumber=n,
            amountIssued={"value": value, "currencyCode": "USD"},
        )
        fake_tango.lines[line["referenceLineItemID"]] = line

    sync_orders_window(**WINDOW)
    sync_line_items(**WINDOW)

    order = Order.objects.get(reference_order_id="AA261102-4-12")
    assert order.amount == Decimal("80.00")
    assert list(order.line_items.values_list("line_number", "amount")) == [
        (1, Decimal("20.00")),
        (2, Decimal("60.00")),
    ]


def test_same_external_ref_on_two_accounts_imports_both(
    fake_tango: FakeTango, account: Account
) -> None:
    AccountFactory(identifier="acme-usd-02", customer=account.customer)
    fake_tango.add("RA261102-4-11", created=T0, external_ref="shared-1")
    fake_tango.add("RA261102-5-11", created=T0, external_ref="shared-1", account="acme-usd-02")

    sync_orders_window(**WINDOW)

    ext_ids = sorted(Order.objects.values_list("external_ref_id", flat=True))
    assert len(ext_ids) == 2 and ext_ids[0] == "shared-1" and ext_ids[1].startswith("tango-RA")


def test_import_waits_for_an_unknown_account(fake_tango: FakeTango, account: Account) -> None:
    fake_tango.add("RA261102-9-11", created=T0, account="globex-eur-01", customer="globex-eu")

    report = sync_orders_window(**WINDOW)

    assert report.skipped == 1 and Order.objects.count() == 0


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


# --- line items ------------------------------------------------------------------------------


def test_line_item_changes_are_written_with_events(fake_tango: FakeTango, account: Account) -> None:
    refs = fake_tango.seed(5)
    sync_orders_window(**WINDOW)
    sync_line_items(**WINDOW)
    line_ref = f"{refs[2]}-1"
    fake_tango.lines[line_ref].update(emailStatus="BOUNCE", rewardStatus="FROZEN", canCancel=False)

    report = sync_line_items(**WINDOW)

    assert report.updated == 1 and report.events == 1
    line = LineItem.objects.get(reference_line_item_id=line_ref)
    assert (line.email_status, line.reward_status, line.can_cancel) == ("BOUNCE", "FROZEN", False)
    # The latest event (the first line-item pass also recorded email status "" -> SENT).
    event = OrderEvent.objects.filter(kind=OrderEvent.Kind.LINE_ITEM_CHANGED, line_item=line)[0]
    assert (event.old_status, event.new_status) == ("SENT", "BOUNCE")
    assert "reward status ACTIVE → FROZEN" in event.message


def test_unknown_line_of_a_known_order_is_created(fake_tango: FakeTango, account: Account) -> None:
    order = OrderFactory(placed=True, is_bulk=True, line_item=None)
    tango = fake_tango.add(order.reference_order_id, created=T0, with_line=False)
    for n in (1, 2):
        line = tango_line_json(
            tango,
            referenceLineItemID=f"{order.reference_order_id}-{n}",
            lineNumber=n,
            status="FAILED" if n == 2 else "COMPLETE",
        )
        fake_tango.lines[line["referenceLineItemID"]] = line

    report = sync_line_items(**WINDOW)

    assert report.created == 2
    assert list(order.line_items.values_list("line_number", "status")) == [
        (1, "COMPLETE"),
        (2, "FAILED"),
    ]


# --- refresh, stuck, reference data ---------------------------------------------------------


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


def test_accounts_sync_creates_and_updates(fake_tango: FakeTango, account: Account) -> None:
    fake_tango.customers = [
        {
            "customerIdentifier": "acme-main",
            "displayName": "Acme",
            "status": "ACTIVE",
            "accounts": [{"accountIdentifier": "acme-usd-01"}],
        },
        {
            "customerIdentifier": "globex-eu",
            "displayName": "Globex",
            "status": "ACTIVE",
            "accounts": [{"accountIdentifier": "globex-eur-01"}],
        },
    ]
    fake_tango.accounts = [
        {
            "accountIdentifier": "acme-usd-01",
            "displayName": "Acme USD",
            "currencyCode": "USD",
            "currentBalance": 1234.5,
            "status": "ACTIVE",
            "accountNumber": "A10000001",
        },
        {
            "accountIdentifier": "globex-eur-01",
            "displayName": "Globex EUR",
            "currencyCode": "EUR",
            "currentBalance": 99.99,
            "status": "FROZEN",
            "accountNumber": "A2",
        },
    ]

    report = reference.sync_accounts()

    account.refresh_from_db()
    assert account.current_balance == Decimal("1234.50") and account.balance_synced_at
    globex = Account.objects.get(identifier="globex-eur-01")
    assert (globex.customer.identifier, globex.status, globex.currency) == (
        "globex-eu",
        "FROZEN",
        "EUR",
    )
    assert report.created == 2  # the globex customer and its account
    assert Customer.objects.get(identifier="acme-main").display_name == "Acme"


def test_catalog_sync_upserts_and_respects_the_interval(fake_tango: FakeTango, db) -> None:
    fake_tango.catalog = [
        {
            "brandKey": "B1",
            "brandName": "Reward Link",
            "status": "active",
            "items": [
                {
                    "utid": "U100001",
                    "rewardName": "Reward Link",
                    "currencyCode": "USD",
                    "status": "active",
                    "valueType": "VARIABLE_VALUE",
                    "rewardType": "reward link",
                    "minValue": 1,
                    "maxValue": 2000,
                    "attributes": ["EMAIL", "PHONE"],
                }
            ],
        },
    ]

    reference.sync_catalog()
    reference.sync_catalog()  # within MIN_CATALOG_INTERVAL: no second GET /catalogs

    assert fake_tango.count("get_catalog") == 1
    item = CatalogItem.objects.get(utid="U100001")
    assert (item.brand, item.min_value, item.delivery_methods) == (
        Brand.objects.get(brand_key="B1"),
        Decimal("1.00"),
        ["EMAIL", "PHONE"],
    )
    reference.sync_catalog(force=True)
    assert fake_tango.count("get_catalog") == 2


# --- tasks -----------------------------------------------------------------------------------


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


# --- convergence against the simulator ------------------------------------------------------

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


@pytest.mark.integration
def test_sync_converges_with_the_simulator_after_faults(db, tmp_path, settings) -> None:
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
