"""Bulk (multi-line) orders through /asyncOrders: create, place once, mirror PARTIAL outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from celery.exceptions import Retry

from audit.models import AuditEntry
from core.actor import Actor
from core.errors import ValidationFailed
from orders.actions import bulk_placement, entry
from orders.actions.placement import Outcome
from orders.models import Account, LineItem, Order, OrderEvent
from orders.statuses import OrderSource, PlacementState
from orders.sync import passes, reference
from orders.tasks.placement import place_bulk_order_task
from tango.errors import TangoInsufficientFunds, TangoRejected, TangoUnavailable
from tango.testing import FakeTango
from tests.factories import AccountFactory, CatalogItemFactory


@pytest.fixture(autouse=True)
def no_pacing(settings) -> None:
    settings.TANGO_ORDER_RATE = 0  # pacing has its own tests (test_rate_limit.py)


@pytest.fixture
def account(db) -> Account:
    CatalogItemFactory()
    return AccountFactory(async_orders_enabled=True)


def lines(*amounts: str) -> list[dict[str, Any]]:
    return [
        {
            "utid": "U100001",
            "amount": amount,
            "delivery_method": "EMAIL",
            "recipient_first_name": f"R{n}",
            "recipient_email": f"r{n}@example.com",
        }
        for n, amount in enumerate(amounts, 1)
    ]


@pytest.fixture
def enqueued(record_tasks) -> list:
    """Order ids handed to the broker for the bulk placement task (after commit)."""
    calls: list = []
    record_tasks(
        lambda name, kw: calls.append(
            kw["order_id"] if name == "orders.tasks.sync.place_bulk_order_task" else (name, kw)
        )
    )
    return calls


def test_bulk_order_needs_an_enabled_account(db, make_user, enqueued: list[int]) -> None:
    account = AccountFactory(async_orders_enabled=False)
    with pytest.raises(entry.BulkOrdersNotAllowed, match="not enabled for bulk"):
        entry.create_bulk_order(
            account=account, lines=lines("10.00"), actor=Actor.for_user(make_user("Manager"))
        )
    assert Order.objects.count() == 0 and enqueued == []


def test_create_bulk_order_stores_lines_and_enqueues_after_commit(
    account: Account, make_user, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    user = make_user("Manager")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = entry.create_bulk_order(
            account=account,
            lines=lines("10.00", "20.50", "5.00"),
            actor=Actor.for_user(user),
            campaign="Q4",
            message="Thanks!",
        )
        assert enqueued == []
    for callback in callbacks:
        callback()
    assert enqueued == [order.pk]
    assert (order.is_bulk, order.order_source, order.state) == (True, OrderSource.AA, "queued")
    assert order.amount == Decimal("35.50") and order.currency == "USD"
    refs = list(order.line_items.values_list("line_number", "external_ref_line_item_id"))
    assert refs == [(n, f"{order.external_ref_id}-{n}") for n in (1, 2, 3)]
    assert order.events.get(kind=OrderEvent.Kind.CREATED).actor == user
    assert AuditEntry.objects.filter(action="order.create_bulk", actor=user).exists()


def test_invalid_line_is_named(account: Account, make_user, enqueued: list[int]) -> None:
    bad = lines("10.00", "10.00")
    bad[1]["recipient_email"] = ""
    with pytest.raises(ValidationFailed, match=r"^Line 2: An email address is required"):
        entry.create_bulk_order(
            account=account, lines=bad, actor=Actor.for_user(make_user("Manager"))
        )
    assert Order.objects.count() == 0


@pytest.fixture
def at_the_simulator(db, tmp_path, settings) -> Iterator[tuple[Any, Account]]:
    """The simulator as Tango, and its acme-usd-01 account synced here, enabled for bulk."""
    from tango.client import reset_client
    from tango_sim.testing import running_simulator

    with running_simulator(tmp_path, TANGO_SIM_ORDER_TPS="0") as sim:
        settings.TANGO_BASE_URL = sim.base_url
        reset_client()
        try:
            reference.sync_accounts()
            account = Account.objects.get(identifier="acme-usd-01")
            account.async_orders_enabled = True
            account.save(update_fields=["async_orders_enabled"])
            yield sim, account
        finally:
            reset_client()


def _queued_bulk_order(account: Account, *amounts: str) -> Order:
    return entry.create_bulk_order(account=account, lines=lines(*amounts), actor=Actor.system())


def _detail(order: Order, statuses: list[str], order_status: str | None) -> dict[str, Any]:
    return {
        "referenceOrderID": "AA261102-5-11",
        "externalRefID": order.external_ref_id,
        "orderStatus": order_status,
        "lineItems": [
            {
                "referenceLineItemId": f"AA261102-5-11-{n}",
                "lineItemStatus": status,
                "externalRefLineItemID": f"{order.external_ref_id}-{n}",
            }
            for n, status in enumerate(statuses, 1)
        ],
    }


def test_place_bulk_order_posts_once_and_mirrors_the_outcome(
    fake_tango: FakeTango, account: Account, enqueued: list[int]
) -> None:
    order = _queued_bulk_order(account, "10.00", "20.00", "30.00")
    fake_tango.async_accepted = {
        "externalRefID": order.external_ref_id,
        "status": "ACCEPTED",
        "totalLineItems": 3,
        "failedLineItems": [
            {
                "lineItemId": 3,
                "externalRefLineItemID": f"{order.external_ref_id}-3",
                "utid": "U100001",
                "errors": [
                    {
                        "field": "amount",
                        "errorCodeValue": "422.025",
                        "message": "amount out of range",
                    }
                ],
            }
        ],
    }
    fake_tango.async_detail = _detail(order, ["COMPLETE", "FAILED"], "PARTIAL")

    outcome = bulk_placement.place_bulk_order(order_id=order.pk)
    again = bulk_placement.place_bulk_order(order_id=order.pk)  # a duplicate task delivery

    assert (outcome.outcome, again.outcome) == (Outcome.PLACED, Outcome.NOT_CLAIMED)
    assert fake_tango.count("create_async_order") == 1
    sent = next(kw for name, kw in fake_tango.calls if name == "create_async_order")
    assert sent["external_ref_id"] == order.external_ref_id
    assert [line["external_ref_line_item_id"] for line in sent["line_items"]] == [
        f"{order.external_ref_id}-{n}" for n in (1, 2, 3)
    ]
    assert sent["line_items"][0]["recipient"].email == "r1@example.com"
    order.refresh_from_db()
    assert (order.state, order.tango_status, order.reference_order_id) == (
        PlacementState.PLACED,
        "PARTIAL",
        "AA261102-5-11",
    )
    assert list(order.line_items.values_list("status", flat=True)) == [
        "COMPLETE",
        "FAILED",
        "FAILED",
    ]
    assert order.line_items.get(line_number=3).errors[0]["code"] == "422.025"


def test_a_bulk_order_of_more_than_one_page_of_lines_is_mirrored_completely(
    fake_tango: FakeTango, account: Account, enqueued: list[int]
) -> None:
    order = _queued_bulk_order(account, *["1.00"] * 250)
    fake_tango.async_detail = _detail(order, ["COMPLETE"] * 249 + ["FAILED"], "PARTIAL")

    assert bulk_placement.place_bulk_order(order_id=order.pk).outcome == Outcome.PLACED

    # Tango's summary pages its lines (100 a page): every page was read, every line written.
    assert fake_tango.count("get_async_order") == 3
    order.refresh_from_db()
    assert order.tango_status == "PARTIAL"
    assert order.line_items.filter(status="COMPLETE").count() == 249
    assert order.line_items.get(line_number=250).status == "FAILED"
    assert not order.line_items.filter(reference_line_item_id__isnull=True).exists()


def test_unavailable_tango_requeues_and_the_retry_reuses_the_external_ref(
    fake_tango: FakeTango, account: Account, enqueued: list[int]
) -> None:
    order = _queued_bulk_order(account, "10.00")
    fake_tango.fail_with = TangoUnavailable("timeout")

    with pytest.raises(TangoUnavailable):
        bulk_placement.place_bulk_order(order_id=order.pk)
    order.refresh_from_db()
    assert order.state == PlacementState.QUEUED

    fake_tango.fail_with = None
    fake_tango.async_detail = _detail(order, ["COMPLETE"], "COMPLETE")
    assert bulk_placement.place_bulk_order(order_id=order.pk).outcome == Outcome.PLACED
    posted = [
        kw["external_ref_id"] for name, kw in fake_tango.calls if name == "create_async_order"
    ]
    assert posted == [order.external_ref_id, order.external_ref_id]
    order.refresh_from_db()
    assert (order.state, order.placement_attempts, order.tango_status) == ("placed", 2, "COMPLETE")


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (TangoInsufficientFunds("balance too low", status_code=402, i18n_key="402.001"), "held"),
        (TangoRejected("bad utid", status_code=422, i18n_key="422.024"), "placement_failed"),
    ],
)
def test_rejections_are_final(
    fake_tango: FakeTango, account: Account, enqueued: list[int], error: Exception, state: str
) -> None:
    order = _queued_bulk_order(account, "10.00")
    fake_tango.fail_with = error
    bulk_placement.place_bulk_order(order_id=order.pk)
    order.refresh_from_db()
    assert order.state == state and order.placement_error_key == error.i18n_key


def test_task_retries_when_tango_is_unavailable(
    fake_tango: FakeTango, account: Account, enqueued: list[int]
) -> None:
    order = _queued_bulk_order(account, "10.00")
    fake_tango.fail_with = TangoUnavailable("down", status_code=503)
    # Called directly (no worker, no eager mode): the retry is what the task asks Celery for.
    with (
        mock.patch.object(place_bulk_order_task, "retry", side_effect=Retry("later")) as retry,
        pytest.raises(Retry),
    ):
        place_bulk_order_task(order.pk)

    assert fake_tango.count("create_async_order") == 1
    (kwargs,) = [call.kwargs for call in retry.call_args_list]
    assert isinstance(kwargs["exc"], TangoUnavailable) and kwargs["countdown"] >= 0
    assert place_bulk_order_task.max_retries == 10
    order.refresh_from_db()
    assert order.state == PlacementState.QUEUED  # the retry (or the sweeper) re-drives it


def test_task_does_not_retry_a_rejection(
    fake_tango: FakeTango, account: Account, enqueued: list[int]
) -> None:
    order = _queued_bulk_order(account, "10.00")
    fake_tango.fail_with = TangoRejected("bad utid", status_code=422, i18n_key="422.024")
    with mock.patch.object(place_bulk_order_task, "retry") as retry:
        assert place_bulk_order_task(order.pk) == str(Outcome.FAILED)
    retry.assert_not_called()
    order.refresh_from_db()
    assert order.state == PlacementState.PLACEMENT_FAILED


def test_single_orders_are_not_placed_through_the_bulk_path(account: Account) -> None:
    from tests.factories import OrderFactory

    with pytest.raises(ValueError, match="not a bulk order"):
        bulk_placement.place_bulk_order(order_id=OrderFactory().pk)


def test_open_bulk_orders_are_mirrored_by_the_open_orders_sync(
    fake_tango: FakeTango, account: Account, enqueued: list[int]
) -> None:
    order = _queued_bulk_order(account, "10.00", "10.00")
    fake_tango.async_detail = _detail(order, ["PENDING", "PENDING"], "PENDING")
    bulk_placement.place_bulk_order(order_id=order.pk)
    fake_tango.async_detail = _detail(order, ["COMPLETE", "COMPLETE"], None)  # derived status

    passes.sync_open_orders()

    order.refresh_from_db()
    assert order.tango_status == "COMPLETE"
    assert set(LineItem.objects.filter(order=order).values_list("status", flat=True)) == {
        "COMPLETE"
    }
    assert [e.new_status for e in order.events.filter(kind=OrderEvent.Kind.STATUS_CHANGED)] == [
        "COMPLETE",
        "PENDING",
    ]


@pytest.mark.integration
def test_a_250_line_bulk_order_is_mirrored_completely_from_the_simulator(
    at_the_simulator, enqueued
) -> None:
    _, account = at_the_simulator
    # .17 fails: the last line, on the summary's third page (100 lines a page).
    order = entry.create_bulk_order(
        account=account, lines=lines(*["1.00"] * 249, "1.17"), actor=Actor.system()
    )

    assert bulk_placement.place_bulk_order(order_id=order.pk).outcome == Outcome.PLACED

    order.refresh_from_db()
    assert order.tango_status == "PARTIAL"
    assert order.line_items.count() == 250
    assert order.line_items.filter(status="COMPLETE").count() == 249
    assert order.line_items.get(line_number=250).status == "FAILED"
    assert not order.line_items.filter(reference_line_item_id__isnull=True).exists()


@pytest.mark.integration
def test_bulk_order_round_trip_with_the_simulator(at_the_simulator, enqueued) -> None:
    from tango.client import get_client

    sim, account = at_the_simulator
    # .00 completes, .17 fails, .11 is PENDING for an hour then completes.
    order = entry.create_bulk_order(
        account=account, lines=lines("10.00", "20.17", "30.11"), actor=Actor.system()
    )

    assert bulk_placement.place_bulk_order(order_id=order.pk).outcome == Outcome.PLACED
    order.refresh_from_db()
    assert order.reference_order_id and order.tango_status == "PENDING"

    sim.advance(2 * 3600)
    passes.sync_open_orders()

    order.refresh_from_db()
    assert order.tango_status == "PARTIAL"
    statuses = list(order.line_items.values_list("status", flat=True))
    assert statuses == ["COMPLETE", "FAILED", "COMPLETE"]
    detail = get_client().get_async_order(
        customer_identifier="acme-main",
        account_identifier="acme-usd-01",
        external_ref_id=order.external_ref_id,
    )
    assert detail.order_status == "PARTIAL"
    assert {li.reference_line_item_id for li in detail.line_items} == set(
        order.line_items.values_list("reference_line_item_id", flat=True)
    )
    # The same order seen through GET /orders and GET /lineItems stays consistent.
    passes.sync_recent_orders()
    passes.sync_recent_line_items()
    order.refresh_from_db()
    assert order.tango_status == "PARTIAL" and order.line_items.count() == 3
    # "Refresh from Tango" on a bulk order: the async summary plus GET /lineItems.
    refreshed = passes.refresh_order(order_id=order.pk)
    assert refreshed.tango_status == "PARTIAL"
    assert set(refreshed.line_items.values_list("email_status", flat=True)) <= {
        "SENT",
        "DELIVERED",
        "PENDING",
        "NOT_DELIVERED",
        "",
    }
    assert refreshed.line_items.filter(status="COMPLETE").exclude(email_status="").count() == 2
