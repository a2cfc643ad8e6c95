"""The sync never overwrites what another writer just wrote (orders/sync/changes.py bulk_write).

Reads overlap: the open and recent passes, "Refresh from Tango", webhooks and the async mirror
all write the same rows, and a Tango read can be older than the local row by the time it is
applied. The interleavings are made deterministic by running the "concurrent" write from a hook
between the sync's local read and its write (the same connection, so it works on SQLite too).
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import jobs
from orders import webhooks
from orders.models import Account, LineItem, Order, OrderEvent
from orders.sync import line_items as sync_line_items
from orders.sync import orders as sync_orders
from orders.sync import passes
from orders.sync.line_items import sync_line_items as sync_line_items_window
from orders.sync.orders import sync_orders_window
from tango.testing import T0, WINDOW, FakeTango
from tango.webhooks import parse_envelope


def run_before_first_call(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str, action: Any
) -> None:
    """Run `action` once, just before the first call of `module.name` (after the local read)."""
    original = getattr(module, name)
    done: list[bool] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not done:
            done.append(True)
            action()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


def _process_reward_webhook(monkeypatch: pytest.MonkeyPatch, reference_line_item_id: str) -> None:
    monkeypatch.setattr(jobs, "send", lambda name, kwargs: None)  # processed right here
    payload = {
        "eventId": str(uuid.uuid4()),
        "eventType": "RewardStatus",
        "category": "REWARD",
        "eventOccurredAt": "2026-11-02T10:00:00Z",
        "eventData": {"referenceLineItemId": reference_line_item_id, "status": "FROZEN"},
    }
    body = json.dumps(payload).encode()
    event, _ = webhooks.store_webhook_event(envelope=parse_envelope(body), body=body)
    assert webhooks.process_webhook_event(webhook_event_id=event.pk) == "processed"


def test_open_orders_are_applied_as_they_are_fetched(
    fake_tango: FakeTango, account: Account
) -> None:
    fake = fake_tango
    # Note, at each GET /orders/{id}, how many orders are already COMPLETE locally.
    complete_at_call: list[int] = []
    fake.hooks["get_order"] = lambda call: complete_at_call.append(
        Order.objects.filter(tango_status="COMPLETE").count()
    )
    refs = fake.seed(3, status="PENDING", line_status="PENDING")
    sync_orders_window(**WINDOW)
    for ref in refs:
        fake.set_status(ref, "COMPLETE", "COMPLETE")

    passes.sync_open_orders()

    # Each answer is written before the next call: none waits behind the others' HTTP.
    assert complete_at_call == [0, 1, 2]
    assert Order.objects.filter(tango_status="COMPLETE").count() == 3


def test_a_status_written_meanwhile_is_not_overwritten_by_the_page(
    fake_tango: FakeTango, account: Account, monkeypatch: pytest.MonkeyPatch, status_events
) -> None:
    x, y, z = fake_tango.seed(3, status="PENDING", line_status="PENDING")
    sync_orders_window(**WINDOW)
    fake_tango.set_status(x, "FAILED")  # final -> final would be allowed: only the value guards
    fake_tango.set_status(y, "COMPLETE")
    fake_tango.orders[z]["amountCharged"]["fee"] = 1.25  # z: a fee, its status unchanged

    def refresh_meanwhile() -> None:
        # "Refresh from Tango" (or a bulk mirror) wrote newer statuses after the page's local
        # read: x and z are COMPLETE now.
        Order.objects.filter(reference_order_id__in=[x, z]).update(tango_status="COMPLETE")

    run_before_first_call(monkeypatch, sync_orders, "order_changes", refresh_meanwhile)

    sync_orders_window(**WINDOW)

    statuses = dict(Order.objects.values_list("reference_order_id", "tango_status"))
    assert statuses == {x: "COMPLETE", y: "COMPLETE", z: "COMPLETE"}
    # z's fee is written, but not its status read back as PENDING (only changed fields).
    assert str(Order.objects.get(reference_order_id=z).amount_charged_fee) == "1.25"
    assert status_events(x) == [] and status_events(z) == []
    assert status_events(y) == [("PENDING", "COMPLETE")]


def test_a_webhook_change_between_read_and_write_survives_the_line_item_pass(
    fake_tango: FakeTango, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = fake_tango.seed(2)
    sync_orders_window(**WINDOW)
    sync_line_items_window(**WINDOW)
    # Tango: a's email was delivered; b's reward was redeemed.
    fake_tango.lines[f"{a}-1"]["emailStatus"] = "DELIVERED"
    fake_tango.lines[f"{b}-1"]["rewardStatus"] = "REDEEMED"
    run_before_first_call(
        monkeypatch,
        sync_line_items,
        "_line_changes",
        lambda: _process_reward_webhook(monkeypatch, f"{a}-1"),
    )

    sync_line_items_window(**WINDOW)

    line_a = LineItem.objects.get(reference_line_item_id=f"{a}-1")
    line_b = LineItem.objects.get(reference_line_item_id=f"{b}-1")
    assert (line_a.email_status, line_a.reward_status) == ("DELIVERED", "FROZEN")
    assert line_b.reward_status == "REDEEMED"


def test_a_value_changed_meanwhile_is_left_to_the_next_pass(
    fake_tango: FakeTango, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    (a,) = fake_tango.seed(1)
    sync_orders_window(**WINDOW)
    sync_line_items_window(**WINDOW)
    fake_tango.lines[f"{a}-1"]["rewardStatus"] = "REDEEMED"
    run_before_first_call(
        monkeypatch,
        sync_line_items,
        "_line_changes",
        lambda: _process_reward_webhook(monkeypatch, f"{a}-1"),
    )

    report = sync_line_items_window(**WINDOW)

    line = LineItem.objects.get(reference_line_item_id=f"{a}-1")
    assert line.reward_status == "FROZEN"  # the webhook's write, not the page's older read
    assert report.updated == 0
    # No timeline row claims ACTIVE -> REDEEMED: nothing was written.
    assert not OrderEvent.objects.filter(message__contains="REDEEMED").exists()
    # The next pass reads Tango again and converges.
    sync_line_items_window(**WINDOW)
    line.refresh_from_db()
    assert line.reward_status == "REDEEMED"


@pytest.mark.django_db(transaction=True)
def test_a_webhook_waits_for_the_pass_holding_the_line_then_applies(
    fake_tango: FakeTango, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two real connections: the webhook blocks on the pass's row lock, then writes on top."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite locks the whole file)")
    from tests.factories import AccountFactory

    AccountFactory()
    (a,) = fake_tango.seed(1)
    sync_orders_window(**WINDOW)
    sync_line_items_window(**WINDOW)
    fake_tango.lines[f"{a}-1"]["emailStatus"] = "DELIVERED"
    monkeypatch.setattr(jobs, "send", lambda name, kwargs: None)  # processed right here
    payload = {
        "eventId": str(uuid.uuid4()),
        "eventType": "RewardStatus",
        "eventOccurredAt": "2026-11-02T10:00:00Z",
        "eventData": {"referenceLineItemId": f"{a}-1", "status": "FROZEN"},
    }
    body = json.dumps(payload).encode()
    event, _ = webhooks.store_webhook_event(envelope=parse_envelope(body), body=body)
    outcome: list[str] = []
    errors: list[BaseException] = []

    def webhook() -> None:
        try:
            outcome.append(webhooks.process_webhook_event(webhook_event_id=event.pk))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=webhook)
    original = sync_line_items.line_item_events

    def while_locked(*args: Any, **kwargs: Any) -> Any:
        # Inside the pass's transaction, after its UPDATE: the line is locked.
        if not worker.is_alive() and not outcome:
            worker.start()
            worker.join(timeout=1.0)
            assert worker.is_alive(), "the webhook should wait for the pass's row lock"
        return original(*args, **kwargs)

    monkeypatch.setattr(sync_line_items, "line_item_events", while_locked)

    sync_line_items_window(**WINDOW)
    worker.join(timeout=10)

    assert errors == [] and outcome == ["processed"]
    line = LineItem.objects.get(reference_line_item_id=f"{a}-1")
    assert (line.email_status, line.reward_status) == ("DELIVERED", "FROZEN")


def test_queries_do_not_grow_with_unchanged_rows(fake_tango: FakeTango, account: Account) -> None:
    def page_with_one_change(prefix: str, count: int, start: datetime) -> int:
        refs = [f"{prefix}-{n:05d}-11" for n in range(count)]
        for n, ref in enumerate(refs):
            fake_tango.add(ref, created=start + timedelta(minutes=n), status="PENDING")
        window = {"start": start - timedelta(hours=1), "end": start + timedelta(days=1)}
        sync_orders_window(**window)
        fake_tango.set_status(refs[0], "COMPLETE", "COMPLETE")
        with CaptureQueriesContext(connection) as ctx:
            report = sync_orders_window(**window)
        assert report.updated == 1
        return len(ctx.captured_queries)

    few = page_with_one_change("RA261102", 10, T0)
    many = page_with_one_change("RA261112", 100, T0 + timedelta(days=10))

    # 9 or 99 unchanged rows next to the changed one: the same queries.
    assert few == many, (few, many)


def test_open_orders_pass_window_is_unaffected(fake_tango: FakeTango, account: Account) -> None:
    # Guard: the conditional write keeps the many-orders path (windows) intact.
    refs = fake_tango.seed(30, status="PENDING", line_status="PENDING", step=timedelta(minutes=1))
    sync_orders_window(**WINDOW)
    fake_tango.set_status(refs[3], "COMPLETE", "COMPLETE")

    report = passes.sync_open_orders()

    assert report.updated == 1 and fake_tango.count("get_order") == 0
