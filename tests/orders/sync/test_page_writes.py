"""The write path of a page (orders/sync/changes.py bulk_write, orders/sync/guarded_update.py):
few statements per page whatever the page changes, and the "still holds the old value" guard,
field by field, on the rows as they are when written (a writer holding a row is waited for).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Account, LineItem, Order, OrderEvent
from orders.sync import changes as sync_changes
from orders.sync import guarded_update
from orders.sync import orders as sync_orders
from orders.sync.changes import Changes, bulk_write
from orders.sync.orders import sync_orders_window
from tango.testing import T0, WINDOW, FakeTango
from tests.factories import OrderFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the single-statement path is PostgreSQL's"
)


def _verbs(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"].split(None, 1)[0].upper() for q in ctx.captured_queries]


def _page_changing_everything(fake: FakeTango, prefix: str, count: int) -> list[str]:
    start = T0 + timedelta(days=len(prefix))  # each call its own window
    refs = [f"{prefix}-{n:05d}-11" for n in range(count)]
    for n, ref in enumerate(refs):
        fake.add(ref, created=start + timedelta(minutes=n), status="PENDING", line_status="PENDING")
    window = {"start": start - timedelta(hours=1), "end": start + timedelta(days=1)}
    sync_orders_window(**window)
    for ref in refs:  # status, line status and amounts all change
        fake.set_status(ref, "COMPLETE", "COMPLETE")
        fake.orders[ref]["amountCharged"]["fee"] = 1.25
    with CaptureQueriesContext(connection) as ctx:
        report = sync_orders_window(**window)
    assert (report.updated, report.events) == (count, 2 * count)
    return _verbs(ctx)


@postgres_only
def test_a_page_that_changes_every_row_runs_a_few_statements(
    fake_tango: FakeTango, account: Account
) -> None:
    few = _page_changing_everything(fake_tango, "RA2611A", 10)
    many = _page_changing_everything(fake_tango, "RA2611BB", 100)

    assert few == many
    # Read the orders and their lines, write the orders, write the lines (each write one
    # guarded statement: lock, check and UPDATE, no separate SELECT FOR UPDATE, no savepoint
    # of its own: the orders whose line statuses change are the ones the order write locked
    # already), one INSERT of the timeline rows; the page's own transaction is the one
    # savepoint (the test's transaction is open around it).
    body = [verb for verb in many if verb not in ("SAVEPOINT", "RELEASE")]
    assert body == ["SELECT", "SELECT", "WITH", "WITH", "INSERT"], many
    assert many.count("SAVEPOINT") == 1


@postgres_only
def test_a_page_locks_every_order_whose_line_status_changes_before_writing(
    fake_tango: FakeTango, account: Account
) -> None:
    # Orders unchanged themselves but whose one line changes status: the facet trigger will
    # lock them, so the page locks them with the orders it writes, in one pk-ordered SELECT
    # FOR UPDATE before any write (two pages each holding one could wait for each other).
    start = T0 + timedelta(days=40)
    refs = [f"RA2611L-{n:05d}-11" for n in range(3)]
    for n, ref in enumerate(refs):
        created = start + timedelta(minutes=n)
        fake_tango.add(ref, created=created, status="PENDING", line_status="PENDING")
    window = {"start": start - timedelta(hours=1), "end": start + timedelta(days=1)}
    sync_orders_window(**window)
    for ref in refs:  # GET /orders' lineItemStatus moves, the order's status does not
        fake_tango.orders[ref]["lineItemStatus"] = "COMPLETE"
    with CaptureQueriesContext(connection) as ctx:
        sync_orders_window(**window)
    sqls = [q["sql"] for q in ctx.captured_queries]
    locks = [i for i, sql in enumerate(sqls) if sql.endswith("FOR UPDATE")]
    writes = [i for i, sql in enumerate(sqls) if sql.startswith("WITH")]
    assert locks and writes and locks[0] < writes[0]
    assert '"orders_order"' in sqls[locks[0]] and "ORDER BY" in sqls[locks[0]]
    assert set(LineItem.objects.filter(order__reference_order_id__in=refs).values_list(
        "status", flat=True
    )) == {"COMPLETE"}  # fmt: skip


def test_only_fields_still_holding_the_read_value_are_written(account: Account) -> None:
    now = timezone.now()
    a, b, c, gone = (
        OrderFactory(account=account, placed=True, tango_status="PENDING") for _ in range(4)
    )
    rows = list(Order.objects.filter(pk__in=[a.pk, b.pk, c.pk, gone.pk]).order_by("pk"))
    changed = []
    for order in rows:
        change = Changes(order)
        change.set("tango_status", "COMPLETE")
        change.set("amount_charged_fee", Decimal("1.25"))
        changed.append(change)
    # Meanwhile: a's status moved on, b's status and fee both did, `gone` was deleted.
    Order.objects.filter(pk=a.pk).update(tango_status="FAILED")
    Order.objects.filter(pk=b.pk).update(tango_status="FAILED", amount_charged_fee=Decimal("2"))
    b_stamp = Order.objects.get(pk=b.pk).updated_at
    LineItem.objects.filter(order_id=gone.pk).delete()
    Order.objects.filter(pk=gone.pk).delete()

    written = bulk_write(Order, changed, extra={"last_synced_at": now, "updated_at": now})

    assert written == 2  # a (its fee) and c
    by_pk = {change.obj.pk: change for change in changed}
    assert set(by_pk[a.pk].fields) == {"amount_charged_fee"}
    assert by_pk[a.pk].obj.tango_status == "FAILED"  # the stored value, given back
    assert not by_pk[b.pk] and by_pk[b.pk].obj.amount_charged_fee == Decimal("2")
    assert set(by_pk[c.pk].fields) == {"tango_status", "amount_charged_fee"}
    assert not by_pk[gone.pk]
    stored = {
        o.pk: o
        for o in Order.objects.filter(pk__in=[a.pk, b.pk, c.pk]).only(
            "tango_status", "amount_charged_fee", "last_synced_at", "updated_at"
        )
    }
    assert stored[a.pk].tango_status == "FAILED"
    assert stored[a.pk].amount_charged_fee == Decimal("1.25")
    assert stored[a.pk].last_synced_at == now
    # b: nothing of the page's survived, so b is not written at all (no timestamp bump).
    assert (stored[b.pk].tango_status, stored[b.pk].amount_charged_fee) == ("FAILED", Decimal("2"))
    assert (stored[b.pk].last_synced_at, stored[b.pk].updated_at) == (None, b_stamp)
    assert stored[c.pk].tango_status == "COMPLETE" and stored[c.pk].last_synced_at == now


def test_batches_are_written_alike(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guarded_update, "MAX_ROWS", 2)
    orders = [OrderFactory(account=account, placed=True, tango_status="PENDING") for _ in range(5)]
    changed = []
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
        change = Changes(order)
        change.set("tango_status", "COMPLETE")
        changed.append(change)
    Order.objects.filter(pk=orders[3].pk).update(tango_status="FAILED")

    assert bulk_write(Order, changed, extra={}) == 4
    statuses = dict(Order.objects.values_list("pk", "tango_status"))
    assert [statuses[o.pk] for o in orders] == ["COMPLETE"] * 3 + ["FAILED", "COMPLETE"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_writer_holding_the_row_is_waited_for_and_its_value_kept(
    fake_tango: FakeTango, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two connections: the page's diff is made, then another transaction changes x and holds
    it; the page's write waits for that commit and sees x as committed (its value is kept, no
    timeline row claims the page's older read), while y is written as usual."""
    from tests.factories import AccountFactory

    AccountFactory()
    x, y = fake_tango.seed(2, status="PENDING", line_status="PENDING")
    sync_orders_window(**WINDOW)
    fake_tango.set_status(x, "FAILED")
    fake_tango.set_status(y, "COMPLETE")
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            with transaction.atomic():
                Order.objects.filter(reference_order_id=x).update(tango_status="COMPLETE")
                holding.set()
                release.wait(timeout=10)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=other_writer)
    original = sync_orders.write_orders

    def write_while_held(*args: Any, **kwargs: Any) -> Any:
        if not worker.is_alive() and not holding.is_set():
            worker.start()
            assert holding.wait(timeout=10)
            # The write blocks on x's row lock until the other transaction commits.
            threading.Timer(0.5, release.set).start()
        return original(*args, **kwargs)

    monkeypatch.setattr(sync_orders, "write_orders", write_while_held)
    monkeypatch.setattr(sync_changes.logger, "info", lambda *a, **k: None)

    report = sync_orders_window(**WINDOW)
    worker.join(timeout=10)

    assert errors == [] and release.is_set()
    statuses = dict(Order.objects.values_list("reference_order_id", "tango_status"))
    assert statuses == {x: "COMPLETE", y: "COMPLETE"}
    assert report.updated == 1  # x had nothing else to write: not written at all
    rows = OrderEvent.objects.filter(kind=OrderEvent.Kind.STATUS_CHANGED, new_status="FAILED")
    assert not rows.exists()


def test_json_and_boolean_fields_are_guarded_and_given_back_as_python(account: Account) -> None:
    order = OrderFactory(account=account, placed=True)
    line = LineItem.objects.get(order=order)
    change = Changes(line)
    change.set("errors", [{"code": "a", "message": "from the page"}])
    change.set("can_cancel", not line.can_cancel)
    # Meanwhile another writer recorded other errors.
    theirs = [{"code": "b", "message": "newer"}]
    LineItem.objects.filter(pk=line.pk).update(errors=theirs)

    assert bulk_write(LineItem, [change], extra={}) == 1

    assert set(change.fields) == {"can_cancel"}
    assert change.obj.errors == theirs  # the stored JSON, decoded
    line.refresh_from_db()
    assert line.errors == theirs and line.can_cancel is change.fields["can_cancel"][1]
