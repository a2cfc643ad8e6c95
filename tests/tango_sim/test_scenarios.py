"""Scenario cents, time-based transitions, async orders, funding and admin transitions."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ADDRESS, Api, assert_error, async_body

pytestmark = pytest.mark.integration  # starts the simulator process

PHYSICAL = {
    "deliveryMethod": "ADDRESS",
    "recipient": {"firstName": "J", "lastName": "D", "address": ADDRESS},
}
ALL_ORDER_STATUSES = {
    "PENDING",
    "QUEUED",
    "PENDING_MR",
    "ON_HOLD",
    "CANCELLED",
    "COMPLETE",
    "FAILED",
    "PARTIAL",
    "DELETED",
    "PENDING_KYB",
    "PENDING_PAYMENT",
}


def order(api: Api, ref: str) -> dict[str, Any]:
    return api.get(f"/orders/{ref}").json()


@pytest.mark.parametrize(
    ("amount", "order_status", "line_status", "charged"),
    [
        (25.00, "COMPLETE", "COMPLETE", True),
        (25.11, "PENDING", "PENDING", True),
        (25.12, "QUEUED", "PENDING", True),
        (25.13, "PENDING_MR", "PENDING", True),
        (25.14, "ON_HOLD", "PENDING", True),
        (25.15, "PENDING_KYB", "PENDING", True),
        (25.16, "PENDING_PAYMENT", "PENDING", True),
        (25.17, "FAILED", "FAILED", False),
        (25.18, "PENDING", "PENDING", True),
        (25.19, "CANCELLED", "CANCELLED", False),
        (25.20, "DELETED", "DELETED", True),
        (25.21, "COMPLETE", "COMPLETE", True),
        (25.23, "COMPLETE", "COMPLETE", True),
    ],
)
def test_scenario_cents(
    api: Api, amount: float, order_status: str, line_status: str, charged: bool
) -> None:
    before = api.balance()
    created = api.order(amount)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == order_status
    detail = order(api, body["referenceOrderID"])
    assert detail["orderStatus"] == order_status
    assert detail["lineItemStatus"] == line_status
    assert (detail["reward"] is not None) == (line_status == "COMPLETE")
    assert api.balance() == pytest.approx(before - amount if charged else before)


def test_timed_transitions(api: Api) -> None:
    pending = api.placed(25.11)["referenceOrderID"]
    queued = api.placed(25.12)["referenceOrderID"]
    payment = api.placed(25.16)["referenceOrderID"]
    failing = api.placed(25.18)["referenceOrderID"]
    review = api.placed(25.13)["referenceOrderID"]
    kyb = api.placed(25.15)["referenceOrderID"]
    before = api.balance()
    api.sim.advance(601)
    assert order(api, queued)["orderStatus"] == "COMPLETE"
    assert order(api, pending)["orderStatus"] == "PENDING"
    api.sim.advance(3000)
    assert order(api, pending)["orderStatus"] == "COMPLETE"
    assert order(api, pending)["reward"]["credentialList"]
    failed = order(api, failing)
    assert failed["orderStatus"] == "FAILED" and failed["lineItemStatus"] == "FAILED"
    assert api.balance() == pytest.approx(before + 25.18)
    assert order(api, payment)["orderStatus"] == "PENDING_PAYMENT"
    api.sim.advance(3600)
    assert order(api, payment)["orderStatus"] == "COMPLETE"
    api.sim.advance(30 * 86400)
    assert order(api, review)["orderStatus"] == "PENDING_MR"
    assert order(api, kyb)["orderStatus"] == "PENDING_KYB"
    released = api.sim.transition(review, "COMPLETE")
    assert released["orderStatus"] == "COMPLETE" and released["reward"]


def test_email_and_delivery_statuses(api: Api) -> None:
    ok = api.placed(25)["referenceLineItemID"]
    bounce = api.placed(25.21)["referenceLineItemID"]
    phone = api.placed(
        25, deliveryMethod="PHONE", recipient={"firstName": "J", "mobileNumber": "+15555550100"}
    )
    assert api.line(ok)["emailStatus"] == "SENT"
    assert api.line(bounce)["emailStatus"] == "BOUNCE"
    assert api.line(bounce)["deliveryStatus"] == "FAILED"
    assert api.line(phone["referenceLineItemID"])["deliveryStatus"] == "DELIVERED"
    api.sim.advance(301)
    assert api.line(ok)["emailStatus"] == "DELIVERED"
    assert api.line(ok)["deliveryStatus"] == "DELIVERED"
    assert api.line(bounce)["emailStatus"] == "BOUNCE"


def test_physical_delivery_and_return(api: Api) -> None:
    normal = api.placed(50, utid="U300001", **PHYSICAL)["referenceLineItemID"]
    returned = api.placed(50.22, utid="U300001", **PHYSICAL)["referenceLineItemID"]
    assert api.line(normal)["deliveryStatus"] == "PROCESSING"
    api.sim.advance(86400)
    assert api.line(normal)["deliveryStatus"] == "DISPATCHED"
    api.sim.advance(2 * 86400)
    assert api.line(normal)["deliveryStatus"] == "DELIVERED"
    assert api.line(returned)["status"] == "COMPLETE"
    api.sim.advance(2 * 86400)
    line = api.line(returned)
    assert line["status"] == "RETURNED"
    listed = api.get("/orders", params={"lineItemStatus": "RETURNED"}).json()
    assert listed["orders"][0]["orderStatus"] == "COMPLETE"


def test_on_hold_released_by_funding(api: Api) -> None:
    held = api.placed(30.14)["referenceOrderID"]
    other_account = api.placed(30.14, accountIdentifier="acme-usd-02")["referenceOrderID"]
    api.sim.advance(7 * 86400)
    assert order(api, held)["orderStatus"] == "ON_HOLD"
    result = api.sim.fund("acme-usd-01", 1000)
    assert result["releasedOrders"] == [held]
    assert result["currentBalance"] == pytest.approx(250000 - 30.14 + 1000)
    assert order(api, held)["orderStatus"] == "COMPLETE"
    assert order(api, held)["reward"]
    assert order(api, other_account)["orderStatus"] == "ON_HOLD"


def test_async_orders(api: Api) -> None:
    partial = api.post("/asyncOrders", json=async_body("bulk-1", [10, 10.17, 12]))
    assert partial.status_code == 202, partial.text
    assert partial.json()["totalLineItems"] == 3
    again = api.post("/asyncOrders", json=async_body("bulk-1", [99]))
    assert again.status_code == 200
    detail = api.get("/asyncOrders/customers/acme-main/accounts/acme-usd-01/bulk-1").json()
    assert detail["orderStatus"] == "PARTIAL"
    assert [li["lineItemStatus"] for li in detail["lineItems"]] == [
        "COMPLETE",
        "FAILED",
        "COMPLETE",
    ]
    ref = detail["referenceOrderID"]
    assert ref.startswith("AA")
    listed = api.get("/orders", params={"orderStatus": "PARTIAL"}).json()["orders"]
    assert [o["referenceOrderID"] for o in listed] == [ref]
    lines = api.get("/lineItems", params={"referenceOrderID": ref}).json()["lineItems"]
    assert sorted(li["lineNumber"] for li in lines) == [1, 2, 3]
    assert {li["referenceLineItemID"] for li in lines} == {f"{ref}-{n}" for n in (1, 2, 3)}
    assert {li["orderSource"] for li in lines} == {"AA"}
    assert api.post("/asyncOrders", json=async_body("bulk-2", [5.17, 6.17])).status_code == 202
    failed = api.get("/asyncOrders/customers/acme-main/accounts/acme-usd-01/bulk-2").json()
    assert failed["orderStatus"] == "FAILED"
    assert api.post("/asyncOrders", json=async_body("bulk-3", [5, 6.11])).status_code == 202
    waiting = "/asyncOrders/customers/acme-main/accounts/acme-usd-01/bulk-3"
    assert api.get(waiting).json()["orderStatus"] == "PENDING"
    api.sim.advance(3601)
    assert api.get(waiting).json()["orderStatus"] == "COMPLETE"
    invalid = async_body("bulk-4", [5])
    invalid["lineItems"].append(
        {
            "externalRefLineItemID": "bad",
            "utid": "U999",
            "amount": 5,
            "recipient": {"firstName": "x", "email": "x@example.com"},
        }
    )
    entity = api.post("/asyncOrders", json=invalid).json()
    assert entity["failedLineItems"][0]["externalRefLineItemID"] == "bad"
    missing = api.post("/asyncOrders", json={**async_body("x", [5]), "externalRefID": None})
    assert_error(missing, 400, None)
    assert_error(api.get("/asyncOrders/customers/acme-main/accounts/acme-usd-01/nope"), 404, None)


def test_admin_transition_reaches_all_statuses(api: Api) -> None:
    seen: set[str] = set()
    before = api.balance()
    for status in sorted(ALL_ORDER_STATUSES):
        ref = api.placed(20)["referenceOrderID"]
        view = api.sim.transition(ref, status)
        assert view["orderStatus"] == status
        assert order(api, ref)["orderStatus"] == status
        seen.add(status)
    assert seen == ALL_ORDER_STATUSES
    # FAILED and CANCELLED were refunded; the other 9 orders stay charged.
    assert api.balance() == pytest.approx(before - 9 * 20)
    ref = api.placed(20)["referenceOrderID"]
    view = api.sim.transition(ref, "PENDING_MR", "PENDING")
    assert view["lineItemStatus"] == "PENDING" and view["reward"] is None
    view = api.sim.transition(ref, "COMPLETE")
    assert view["lineItemStatus"] == "COMPLETE" and view["reward"]
