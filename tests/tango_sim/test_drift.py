"""Silent drift injection (``/__sim/drift``): Tango's data changes, no webhook says so."""

from __future__ import annotations

import time

import pytest
import requests

from .conftest import ADDRESS, Api, Receiver, assert_error

pytestmark = pytest.mark.integration  # starts the simulator process


def drift(api: Api, method: str, path: str, body: dict | None = None) -> requests.Response:
    return requests.request(method, f"{api.sim.admin_url}/drift{path}", json=body, timeout=10)


def events_total(api: Api) -> int:
    return int(api.sim.stats()["webhook_events_total"])


@pytest.fixture
def hooked(api: Api, receiver: Receiver) -> Api:
    api.sim.configure(webhook_url=receiver.url)  # a subscription to every event type
    return api


def test_status_drift_is_silent(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    order = api.placed(25)
    ref, line_ref = order["referenceOrderID"], order["referenceLineItemID"]
    before = events_total(api)
    changed = drift(api, "POST", f"/orders/{ref}", {"status": "FAILED"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["orderStatus"] == "FAILED"
    assert changed.json()["lineItemStatus"] == "COMPLETE"  # line items untouched
    assert api.get("/orders", params={"orderStatus": "FAILED"}).json()["page"]["totalCount"] == 1
    line = drift(api, "POST", f"/lineItems/{line_ref}", {"status": "CANCELLED"}).json()
    assert line["status"] == "CANCELLED" and line["rewardStatus"] == "ACTIVE"
    line = drift(api, "POST", f"/lineItems/{line_ref}", {"rewardStatus": "FROZEN"}).json()
    assert api.line(line_ref)["rewardStatus"] == "FROZEN"
    assert api.get(f"/orders/{ref}").json()["lineItemStatus"] == "CANCELLED"
    assert api.balance() == pytest.approx(250000 - 25)  # no refund
    weird = drift(api, "POST", f"/orders/{ref}", {"status": "SCHEDULED DELIVERY"}).json()
    assert weird["orderStatus"] == "SCHEDULED DELIVERY"
    assert events_total(api) == before
    time.sleep(0.2)
    assert receiver.events() == []
    assert_error(drift(api, "POST", f"/orders/{ref}", {}), 400, None)
    assert_error(drift(api, "POST", "/orders/RA000000-0-00", {"status": "FAILED"}), 404, "404.017")
    assert_error(drift(api, "POST", f"/lineItems/{line_ref}", {"nope": 1}), 400, None)


def test_amount_and_recipient_drift(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    order = api.placed(100, utid="U200401")  # 2 % fee
    assert order["amountCharged"] == {
        "value": 100.0,
        "currencyCode": "USD",
        "exchangeRate": 1.0,
        "fee": 2.0,
        "total": 102.0,
    }
    line_ref = order["referenceLineItemID"]
    before = events_total(api)
    body = {"amountCharged": {"value": 99.5, "fee": 2.5, "total": 102.5}}
    changed = drift(api, "POST", f"/lineItems/{line_ref}", body).json()
    assert changed["amountCharged"]["value"] == 99.5
    assert changed["amountCharged"]["fee"] == 2.5 and changed["amountCharged"]["total"] == 102.5
    detail = api.get(f"/orders/{order['referenceOrderID']}").json()
    assert detail["amountCharged"]["total"] == 102.5
    only_fee = drift(api, "POST", f"/lineItems/{line_ref}", {"amountCharged": {"fee": 0}}).json()
    assert only_fee["amountCharged"]["fee"] == 0 and only_fee["amountCharged"]["total"] == 102.5
    assert api.balance() == pytest.approx(250000 - 102)  # the balance did not move
    recipient = {"email": "someone.else@example.com", "firstName": "Sam", "lastName": None}
    moved = drift(api, "POST", f"/lineItems/{line_ref}", {"recipient": recipient}).json()
    assert moved["recipient"] == {"firstName": "Sam", "email": "someone.else@example.com"}
    found = api.get("/orders", params={"recipientEmail": "someone.else@example.com"}).json()
    assert found["page"]["totalCount"] == 1
    assert (
        api.get("/orders", params={"recipientEmail": "jane@example.com"}).json()["page"][
            "totalCount"
        ]
        == 0
    )
    assert events_total(api) == before
    bad = drift(api, "POST", f"/lineItems/{line_ref}", {"recipient": {"email": "not-an-email"}})
    assert_error(bad, 400, None)
    assert_error(
        drift(api, "POST", f"/lineItems/{line_ref}", {"amountCharged": {"x": 1}}), 400, None
    )


def test_deleted_and_unknown_orders(hooked: Api, receiver: Receiver) -> None:
    api = hooked
    gone = api.placed(25.11, externalRefID="gone-1")  # pending, with a timer
    kept = api.placed(30, externalRefID="kept-1")
    before = events_total(api)
    deleted = drift(api, "DELETE", f"/orders/{gone['referenceOrderID']}")
    assert deleted.json() == {"deleted": gone["referenceOrderID"], "lineItems": 1}
    assert_error(api.get(f"/orders/{gone['referenceOrderID']}"), 404, "404.017")
    assert_error(api.get(f"/lineItems/{gone['referenceLineItemID']}"), 404, "404.017")
    api.sim.advance(7200)  # its timer went with it
    listed = api.get("/orders").json()
    assert [o["referenceOrderID"] for o in listed["orders"]] == [kept["referenceOrderID"]]
    extra = drift(
        api,
        "POST",
        "/orders",
        {
            "customerIdentifier": "acme-main",
            "accountIdentifier": "acme-usd-01",
            "utid": "U300002",
            "amount": 50,
            "recipient": {"firstName": "Ann", "lastName": "Other", "address": ADDRESS},
            "externalRefID": "never-placed-1",
            "createdAt": "2026-01-15T10:00:00Z",
        },
    )
    assert extra.status_code == 201, extra.text
    view = extra.json()
    assert view["createdAt"] == "2026-01-15T10:00:00.000Z"
    assert view["referenceOrderID"].startswith("RA260115-")
    assert view["deliveryMethod"] == "ADDRESS" and view["status"] == "COMPLETE"
    assert api.line(view["referenceLineItemID"])["deliveryStatus"] == "DELIVERED"  # caught up
    assert api.balance() == pytest.approx(250000 - 25.11 - 30 - 50)  # debited like a real order
    found = api.get("/orders", params={"externalRefID": "never-placed-1"}).json()
    assert found["page"]["totalCount"] == 1
    window = api.get("/orders", params={"startDate": "2026-01-15", "endDate": "2026-01-15"})
    assert [o["referenceOrderID"] for o in window.json()["orders"]] == [view["referenceOrderID"]]
    free = drift(
        api,
        "POST",
        "/orders",
        {
            "customerIdentifier": "acme-main",
            "accountIdentifier": "acme-usd-01",
            "utid": "U100001",
            "amount": 10,
            "deliveryMethod": "NONE",
            "debit": False,
        },
    )
    assert free.status_code == 201
    assert api.balance() == pytest.approx(250000 - 25.11 - 30 - 50)
    assert events_total(api) == before  # no LineItemDeliveryStatus for the physical card
    assert api.sim.stats()["posts_orders"] == 2
    dup = drift(
        api,
        "POST",
        "/orders",
        {
            "customerIdentifier": "acme-main",
            "accountIdentifier": "acme-usd-01",
            "utid": "U100001",
            "amount": 10,
            "externalRefID": "kept-1",
            "recipient": {"firstName": "J", "email": "j@example.com"},
        },
    )
    assert_error(dup, 400, None)
    assert_error(drift(api, "POST", "/orders", {"utid": "U100001"}), 400, None)


def test_unexplained_balance_change_has_no_transaction_event(
    hooked: Api, receiver: Receiver
) -> None:
    api = hooked
    api.sim.fund("acme-usd-01", 100)  # explained: a Transaction event
    funded = receiver.wait_for("Transaction")[0]["eventData"]
    assert funded["amount"] == 100.0 and funded["accountIdentifier"] == "acme-usd-01"
    before = events_total(api)
    changed = drift(api, "POST", "/accounts/acme-usd-01/balance", {"delta": -12.34}).json()
    assert changed["previousBalance"] == 250100.0
    assert changed["currentBalance"] == pytest.approx(250087.66)
    assert api.balance() == pytest.approx(250087.66)
    drift(api, "POST", "/accounts/acme-usd-02/balance", {"balance": 1})  # below its 100 alert
    assert api.balance("acme-usd-02") == 1.0
    assert events_total(api) == before
    time.sleep(0.2)
    assert len(receiver.events()) == 1  # only the funding
    assert_error(drift(api, "POST", "/accounts/acme-usd-01/balance", {}), 400, None)
    both = drift(api, "POST", "/accounts/acme-usd-01/balance", {"delta": 1, "balance": 2})
    assert_error(both, 400, None)
    assert_error(drift(api, "POST", "/accounts/nope-00001/balance", {"delta": 1}), 404, None)
    counters = api.sim.stats()["counters"]
    assert counters["drift_balance"] == 2
