"""Exactly-once placement (orders/actions/placement.py and its task).

Most tests drive the action with `FakeTango` (tango.testing), an in-memory Tango that keeps
one order per externalRefID per account like the real one and can lose answers on purpose.
A few go through the real TangoClient with `responses`, so the HTTP mapping (201 vs 200) is
covered end to end.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.db import connection

from audit.models import AuditEntry
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions.holds import hold_order, release_order
from orders.actions.placement import Outcome, place_order
from orders.models import Order, OrderEvent
from orders.statuses import HoldReason, PlacementState
from orders.tasks import placement as placement_tasks
from tango.errors import TangoAuthError, TangoInsufficientFunds, TangoRejected, TangoUnavailable
from tango.testing import FakeTango
from tests.factories import OrderFactory, UserFactory, new_order

# Also run on the embedded SQLite default in CI's smoke lane.
pytestmark = pytest.mark.smoke


BASE_URL = "http://tango.test/raas/v2"  # the http_tango fixture's client (tests/conftest.py)


def posts_and_lookups(tango: FakeTango) -> tuple[int, int]:
    """How many POST /orders and externalRefID lookups Tango saw."""
    return tango.count("create_order"), tango.count("find_order_by_external_ref")


def queued_order(account, enqueued, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        order = new_order(account, **kwargs)
    enqueued.clear()
    return order


def _order_json(external_ref_id: str, status: str = "COMPLETE") -> dict:
    return {
        "referenceOrderID": "RA260506-1401-64",
        "referenceLineItemID": "RA260506-1401-64-1",
        "externalRefID": external_ref_id,
        "customerIdentifier": "acme-main",
        "accountIdentifier": "acme-usd-01",
        "amountCharged": {"value": 25.0, "currencyCode": "USD", "fee": 0.0, "total": 25.0},
        "denomination": {"value": 25.0, "currencyCode": "USD"},
        "utid": "U100001",
        "rewardName": "Reward Link",
        "deliveryMethod": "EMAIL",
        "status": status,
        "createdAt": "2026-05-06T20:08:59.624Z",
    }


@pytest.mark.django_db
def test_happy_path_places_and_writes_back_everything(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)

    result = place_order(order_id=order.pk)

    assert result.outcome == Outcome.PLACED and result.reference_order_id == "RA260101-1-11"
    assert posts_and_lookups(tango) == (
        1,
        0,
    )  # first attempt: no lookup needed
    order.refresh_from_db()
    assert order.state == PlacementState.PLACED
    assert order.reference_order_id == "RA260101-1-11" and order.tango_status == "COMPLETE"
    assert order.amount_charged_total == Decimal("26.00")
    assert order.amount_charged_fee == Decimal("0.50")
    assert order.tango_created_at == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert order.placement_attempts == 1 and order.placing_since is None
    line_item = order.line_items.get()
    assert line_item.reference_line_item_id == "RA260101-1-11-1"
    assert line_item.status == "COMPLETE" and line_item.denomination_value == Decimal("25.00")
    kinds = list(order.events.order_by("id").values_list("kind", "new_status"))
    assert kinds == [
        ("created", "queued"),
        ("placement_attempt", "placing"),
        ("state_changed", "placed"),
        ("status_changed", "COMPLETE"),
    ]
    sent = next(fields for name, fields in tango.calls if name == "create_order")
    assert (sent["account_identifier"], sent["external_ref_id"]) == (
        "acme-usd-01",
        order.external_ref_id,
    )
    assert sent["recipient"].email == "jane@example.com" and sent["recipient"].first_name == "Jane"


@pytest.mark.django_db
def test_a_200_for_a_known_external_ref_is_success(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    tango.create_order(
        customer_identifier="acme-main",
        account_identifier="acme-usd-01",
        utid="U100001",
        amount=order.amount,
        delivery_method="EMAIL",
        external_ref_id=order.external_ref_id,
    )  # e.g. placed by a process that died before writing back

    result = place_order(order_id=order.pk)

    assert result.outcome == Outcome.ADOPTED
    order.refresh_from_db()
    assert order.state == PlacementState.PLACED and order.reference_order_id == "RA260101-1-11"
    assert len(tango.orders) == 1


@pytest.mark.django_db
def test_retry_after_a_lost_response_adopts_instead_of_creating(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    tango.lose_next_answer = True

    with pytest.raises(TangoUnavailable):
        place_order(order_id=order.pk)
    order.refresh_from_db()
    assert order.state == PlacementState.QUEUED and order.reference_order_id is None

    result = place_order(order_id=order.pk)

    assert result.outcome == Outcome.ADOPTED
    assert posts_and_lookups(tango) == (
        1,
        1,
    )  # looked up, did not POST again
    order.refresh_from_db()
    assert order.state == PlacementState.PLACED and order.placement_attempts == 2
    assert order.reference_order_id == "RA260101-1-11"


@pytest.mark.django_db
def test_retry_creates_when_the_lookup_finds_nothing(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    tango.errors["create_order"] = [TangoUnavailable("503", status_code=503)]
    with pytest.raises(TangoUnavailable):
        place_order(order_id=order.pk)

    assert place_order(order_id=order.pk).outcome == Outcome.PLACED
    assert (
        tango.count("create_order"),
        tango.count("find_order_by_external_ref"),
        len(tango.orders),
    ) == (2, 1, 1)


@pytest.mark.django_db
def test_unavailable_puts_the_order_back_and_the_task_retries_with_backoff(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    tango.errors["create_order"] = [
        TangoUnavailable("rate limited", status_code=429, retry_after=7)
    ]

    with (
        mock.patch.object(
            placement_tasks.place_order_task, "retry", side_effect=Retry("later")
        ) as retry,
        pytest.raises(Retry),
    ):
        placement_tasks.place_order_task(order.pk)

    order.refresh_from_db()
    assert order.state == PlacementState.QUEUED and order.placing_since is None
    assert order.events.filter(new_status="queued", kind="state_changed").exists()
    (kwargs,) = [call.kwargs for call in retry.call_args_list]
    assert isinstance(kwargs["exc"], TangoUnavailable)
    assert 7 <= kwargs["countdown"] <= 300  # honours retry_after


@pytest.mark.django_db
def test_auth_error_requeues_and_retries(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    tango.errors["create_order"] = [TangoAuthError("bad key", status_code=401)]
    with (
        mock.patch.object(placement_tasks.place_order_task, "retry", side_effect=Retry()),
        pytest.raises(Retry),
    ):
        placement_tasks.place_order_task(order.pk)
    order.refresh_from_db()
    assert order.state == PlacementState.QUEUED


@pytest.mark.django_db
def test_rejection_is_final_with_tangos_message(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    tango.errors["create_order"] = [
        TangoRejected("The utid is not active", status_code=422, i18n_key="422.030")
    ]

    with mock.patch.object(placement_tasks.place_order_task, "retry") as retry:
        assert placement_tasks.place_order_task(order.pk) == "failed"
    retry.assert_not_called()

    order.refresh_from_db()
    assert order.state == PlacementState.PLACEMENT_FAILED
    assert order.placement_error_key == "422.030"
    assert "The utid is not active" in order.placement_error
    event = order.events.get(kind=OrderEvent.Kind.PLACEMENT_FAILED)
    assert "The utid is not active" in event.message
    # A duplicate delivery of the task does nothing.
    assert place_order(order_id=order.pk).outcome == Outcome.NOT_CLAIMED
    assert tango.count("create_order") == 1


@pytest.mark.django_db
def test_insufficient_funds_holds_then_release_requeues_after_commit(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    tango.errors["create_order"] = [
        TangoInsufficientFunds("Insufficient funds", status_code=402, i18n_key="402.001")
    ]

    assert place_order(order_id=order.pk).outcome == Outcome.HELD
    order.refresh_from_db()
    assert order.state == PlacementState.HELD
    assert order.hold_reason == HoldReason.INSUFFICIENT_FUNDS
    assert order.hold_note == "Insufficient funds"
    assert len(tango.orders) == 0  # nothing charged

    manager = UserFactory(role="Manager")
    with django_capture_on_commit_callbacks() as callbacks:
        assert (
            release_order(order_id=order.pk, actor=Actor.for_user(manager), note="funded") is True
        )
        assert enqueued == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert enqueued == [order.pk]
    order.refresh_from_db()
    assert order.state == PlacementState.QUEUED and order.hold_reason == ""
    audit = AuditEntry.objects.get(action="order.release")
    assert audit.actor == manager and audit.before == {"state": "held"} and audit.reason == "funded"

    # Releasing again (double click) neither fails nor enqueues twice.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert release_order(order_id=order.pk, actor=Actor.for_user(manager)) is False
    assert callbacks == [] and enqueued == [order.pk]

    assert place_order(order_id=order.pk).outcome == Outcome.PLACED
    assert len(tango.orders) == 1


@pytest.mark.django_db
def test_retrying_a_failed_order_keeps_its_external_ref(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    tango.errors["create_order"] = [TangoRejected("Item requires approval", status_code=428)]
    place_order(order_id=order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert release_order(order_id=order.pk, actor=Actor.for_user(UserFactory())) is True
    assert enqueued == [order.pk]
    assert place_order(order_id=order.pk).outcome == Outcome.PLACED
    order.refresh_from_db()
    assert order.placement_error == "" and order.state == PlacementState.PLACED
    assert [(o["accountIdentifier"], o["externalRefID"]) for o in tango.orders.values()] == [
        ("acme-usd-01", order.external_ref_id)
    ]


@pytest.mark.django_db
def test_hold_stops_a_queued_order_and_refuses_once_placing(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    manager = UserFactory(role="Manager")
    assert hold_order(
        order_id=order.pk, actor=Actor.for_user(manager), reason=HoldReason.STAFF, note="check PO"
    )
    assert not hold_order(
        order_id=order.pk, actor=Actor.for_user(manager), reason=HoldReason.STAFF, note="again"
    )
    order.refresh_from_db()
    assert (order.state, order.hold_reason, order.hold_note) == ("held", "staff", "check PO")
    assert AuditEntry.objects.filter(action="order.hold", actor=manager).count() == 1
    # The message already in the queue finds the order held and does nothing.
    assert place_order(order_id=order.pk).outcome == Outcome.NOT_CLAIMED
    assert tango.count("create_order") == 0

    placed = OrderFactory(placed=True)
    with pytest.raises(ActionNotAllowed, match="only orders not yet sent"):
        hold_order(
            order_id=placed.pk, actor=Actor.for_user(manager), reason=HoldReason.STAFF, note="x"
        )


@pytest.mark.django_db
def test_unexpected_error_gives_the_order_back(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    tango.errors["create_order"] = [KeyError("bug")]
    with pytest.raises(KeyError):
        place_order(order_id=order.pk)
    order.refresh_from_db()
    assert order.state == PlacementState.QUEUED


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_during_the_http_call(account, catalog, tango, enqueued):
    order = new_order(account)
    seen: list[bool] = []
    tango.hooks["create_order"] = lambda fields: seen.append(connection.in_atomic_block)
    assert place_order(order_id=order.pk).outcome == Outcome.PLACED
    assert seen == [False]


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_claim_once(account, catalog, tango, enqueued):
    order = new_order(account)
    workers = 4
    barrier = threading.Barrier(workers)
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            outcomes.append(place_order(order_id=order.pk).outcome)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(outcomes) == sorted([Outcome.PLACED] + [Outcome.NOT_CLAIMED] * (workers - 1))
    assert tango.count("create_order") == 1
    assert Order.objects.get(pk=order.pk).placement_attempts == 1


def test_task_options_and_names():
    task = placement_tasks.place_order_task
    assert task.name == "orders.tasks.placement.place_order_task"
    assert task.acks_late is True and task.reject_on_worker_lost is True
    assert task.max_retries == 10
    sweeper = placement_tasks.sweep_stuck_placements
    assert sweeper.name == "orders.tasks.placement.sweep_stuck_placements"


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "outcome"), [(201, Outcome.PLACED), (200, Outcome.ADOPTED)])
def test_http_201_and_200_both_place_the_order(
    account, catalog, enqueued, django_capture_on_commit_callbacks, http_tango, status, outcome
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    http_tango.post(f"{BASE_URL}/orders", json=_order_json(order.external_ref_id), status=status)

    assert place_order(order_id=order.pk).outcome == outcome
    order.refresh_from_db()
    assert order.state == PlacementState.PLACED and order.reference_order_id == "RA260506-1401-64"
    (call,) = http_tango.calls
    body = call.request.body
    assert f'"externalRefID": "{order.external_ref_id}"' in body
    assert '"accountIdentifier": "acme-usd-01"' in body


@pytest.mark.django_db
def test_http_lost_response_then_lookup_adopts_with_one_post(
    account, catalog, enqueued, django_capture_on_commit_callbacks, http_tango
):
    order = queued_order(account, enqueued, django_capture_on_commit_callbacks)
    post = http_tango.post(f"{BASE_URL}/orders", status=503, json={"message": "unavailable"})
    with pytest.raises(TangoUnavailable):
        place_order(order_id=order.pk)
    lookup = http_tango.get(
        f"{BASE_URL}/orders",
        json={
            "page": {"number": 0, "elementsPerBlock": 100, "resultCount": 1, "totalCount": 1},
            "orders": [_order_json(order.external_ref_id, status="PENDING")],
        },
    )

    assert place_order(order_id=order.pk).outcome == Outcome.ADOPTED
    assert post.call_count == 1 and lookup.call_count == 1
    assert f"externalRefID={order.external_ref_id}" in lookup.calls[0].request.url
    order.refresh_from_db()
    assert order.tango_status == "PENDING" and order.state == PlacementState.PLACED
