"""409.024 "already exists": the order is at Tango, so placement adopts it instead of failing it."""

from __future__ import annotations

from typing import Any

import pytest

import tango as tango_package
from core.actor import Actor
from orders.actions import bulk_placement, entry
from orders.actions.placement import Outcome, place_order
from orders.models import Account, Order
from orders.statuses import PlacementState
from tango import errors
from tango.testing import FakeTango
from tests.factories import AccountFactory, CatalogItemFactory, OrderFactory

BASE_URL = "http://tango.test/raas/v2"  # the http_tango fixture's client (tests/conftest.py)
_P = PlacementState


def _envelope(key: str = "409.024") -> dict[str, Any]:
    return {
        "timestamp": "2026-05-06T20:08:59.624Z",
        "requestId": "req-1",
        "path": "/raas/v2/orders",
        "httpCode": 409,
        "httpPhrase": "Conflict",
        "i18nKey": key,
        "message": "An order with the external reference ID 'x' already exists on your platform",
    }


def test_409_024_is_its_own_final_error_and_409_002_stays_retryable() -> None:
    error = errors.error_for_response(409, {}, _envelope(), path="/orders")
    assert type(error) is errors.TangoAlreadyExists
    assert isinstance(error, errors.TangoRejected)
    assert tango_package.TangoAlreadyExists is errors.TangoAlreadyExists
    assert "TangoAlreadyExists" in errors.__all__ and "TangoAlreadyExists" in tango_package.__all__
    assert isinstance(
        errors.error_for_response(409, {}, _envelope("409.002"), path="/orders"),
        errors.TangoInFlight,
    )
    other = errors.error_for_response(409, {}, _envelope("409.010"), path="/customers")
    assert type(other) is errors.TangoRejected


def _order_json(order: Order) -> dict[str, Any]:
    return {
        "referenceOrderID": "RA260506-1401-64",
        "referenceLineItemID": "RA260506-1401-64-1",
        "externalRefID": order.external_ref_id,
        "customerIdentifier": order.customer.identifier,
        "accountIdentifier": order.account.identifier,
        "amountCharged": {"value": 25.0, "currencyCode": "USD", "fee": 0.0, "total": 25.0},
        "denomination": {"value": 25.0, "currencyCode": "USD"},
        "utid": "U100001",
        "rewardName": "Reward Link",
        "deliveryMethod": "EMAIL",
        "status": "COMPLETE",
        "createdAt": "2026-05-06T20:08:59.624Z",
    }


@pytest.mark.django_db
def test_single_order_already_at_tango_is_looked_up_and_adopted(http_tango) -> None:
    CatalogItemFactory()
    order = OrderFactory(account=AccountFactory())
    post = http_tango.post(f"{BASE_URL}/orders", status=409, json=_envelope())
    lookup = http_tango.get(
        f"{BASE_URL}/orders",
        json={
            "page": {"number": 0, "elementsPerBlock": 100, "resultCount": 1, "totalCount": 1},
            "orders": [_order_json(order)],
        },
    )

    result = place_order(order_id=order.pk)

    assert result.outcome == Outcome.ADOPTED
    assert post.call_count == 1 and lookup.call_count == 1
    assert f"externalRefID={order.external_ref_id}" in lookup.calls[0].request.url
    order.refresh_from_db()
    assert (order.state, order.reference_order_id, order.tango_status) == (
        _P.PLACED,
        "RA260506-1401-64",
        "COMPLETE",
    )
    assert order.placement_error == ""


@pytest.mark.django_db
def test_already_exists_but_not_found_fails_with_tangos_message(http_tango) -> None:
    CatalogItemFactory()
    order = OrderFactory(account=AccountFactory())
    http_tango.post(f"{BASE_URL}/orders", status=409, json=_envelope())
    http_tango.get(
        f"{BASE_URL}/orders",
        json={
            "page": {"number": 0, "elementsPerBlock": 100, "resultCount": 0, "totalCount": 0},
            "orders": [],
        },
    )

    assert place_order(order_id=order.pk).outcome == Outcome.FAILED
    order.refresh_from_db()
    assert order.state == _P.PLACEMENT_FAILED and order.placement_error_key == "409.024"
    assert "already exists" in order.placement_error


def already_exists() -> errors.TangoAlreadyExists:
    return errors.TangoAlreadyExists(
        "already exists", status_code=409, i18n_key="409.024", path="/asyncOrders"
    )


@pytest.fixture
def bulk_account(db, settings) -> Account:
    settings.TANGO_ORDER_RATE = 0
    CatalogItemFactory()
    return AccountFactory(async_orders_enabled=True)


def _bulk_order(account: Account) -> Order:
    lines = [
        {"utid": "U100001", "amount": a, "recipient_first_name": "R", "recipient_email": "r@x.io"}
        for a in ("10.00", "20.00")
    ]
    return entry.create_bulk_order(account=account, lines=lines, actor=Actor.system())


def test_bulk_order_already_at_tango_is_read_back_and_adopted(
    bulk_account, fake_tango: FakeTango, django_capture_on_commit_callbacks
) -> None:
    fake = fake_tango
    fake.errors["create_async_order"] = already_exists()
    order = _bulk_order(bulk_account)
    fake.async_detail = {
        "referenceOrderID": "AA261102-5-11",
        "externalRefID": order.external_ref_id,
        "orderStatus": "COMPLETE",
        "lineItems": [
            {
                "referenceLineItemId": f"AA261102-5-11-{n}",
                "lineItemStatus": "COMPLETE",
                "externalRefLineItemID": f"{order.external_ref_id}-{n}",
            }
            for n in (1, 2)
        ],
    }

    assert bulk_placement.place_bulk_order(order_id=order.pk).outcome == Outcome.ADOPTED

    assert fake.count("create_async_order") == 1 and fake.count("get_async_order") >= 1
    order.refresh_from_db()
    assert (order.state, order.reference_order_id, order.tango_status) == (
        _P.PLACED,
        "AA261102-5-11",
        "COMPLETE",
    )
    assert set(order.line_items.values_list("status", flat=True)) == {"COMPLETE"}


def test_bulk_already_exists_but_not_found_fails(bulk_account, fake_tango: FakeTango) -> None:
    fake_tango.errors["create_async_order"] = already_exists()  # async_detail None: 404
    order = _bulk_order(bulk_account)

    assert bulk_placement.place_bulk_order(order_id=order.pk).outcome == Outcome.FAILED
    order.refresh_from_db()
    assert order.state == _P.PLACEMENT_FAILED and order.placement_error_key == "409.024"
