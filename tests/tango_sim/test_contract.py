"""The Tango contract: auth, order creation + idempotency, validation, funds, rate limit, reads."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from .conftest import ADDRESS, Api, assert_error

pytestmark = pytest.mark.integration  # starts the simulator process


def test_auth_missing_and_bad(api: Api) -> None:
    url = f"{api.sim.base_url}/orders"
    assert_error(requests.get(url, timeout=10), 401, "401.001")
    assert_error(requests.get(url, auth=("rewardsops-demo", "wrong"), timeout=10), 401, "401.002")
    ok = api.get("/orders")
    assert ok.status_code == 200
    assert ok.headers["X-REQUEST-ID"]


def test_create_then_repeat_returns_original(api: Api) -> None:
    before = api.balance()
    first = api.order(25, externalRefID="ext-1")
    assert first.status_code == 201
    order = first.json()
    assert order["referenceOrderID"].startswith("RA")
    assert order["referenceLineItemID"] == f"{order['referenceOrderID']}-1"
    assert order["status"] == "COMPLETE"
    assert order["amountCharged"] == {
        "value": 25.0,
        "currencyCode": "USD",
        "exchangeRate": 1.0,
        "fee": 0.0,
        "total": 25.0,
    }
    assert order["reward"]["credentialList"][0]["credentialType"] == "redemptionUrl"
    # Same externalRefID, different body: 200 with the original order, no second debit.
    again = api.order(99, utid="U200001", externalRefID="ext-1")
    assert again.status_code == 200
    assert again.json()["referenceOrderID"] == order["referenceOrderID"]
    assert again.json()["denomination"]["value"] == 25.0
    assert api.balance() == before - 25
    # Idempotency is per account: the same id on another account is a new order.
    other = api.order(
        10, externalRefID="ext-1", accountIdentifier="globex-usd-01", customerIdentifier="globex-eu"
    )
    assert other.status_code == 201
    stats = api.sim.stats()
    assert stats["orders_by_external_ref"]["ext-1"] == 2
    assert stats["duplicate_external_refs"] == []


def test_in_flight_duplicate_gets_409(api: Api) -> None:
    api.sim.configure(create_latency_ms=600)
    results: dict[str, requests.Response] = {}

    def first() -> None:
        results["first"] = api.order(30, externalRefID="slow-1")

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(0.2)
    second = Api(api.sim).order(30, externalRefID="slow-1")
    thread.join()
    assert results["first"].status_code == 201
    body = assert_error(second, 409, "409.002")
    assert "slow-1" in body["message"]
    third = api.order(30, externalRefID="slow-1")
    assert third.status_code == 200
    assert api.sim.stats()["orders_by_account_external_ref"]["acme-usd-01/slow-1"] == 1


def test_validation_errors(api: Api) -> None:
    assert_error(api.order(25, utid="U999999"), 422, "422.024")
    bad = assert_error(api.order(25, utid="X1"), 400, None)
    assert bad["errors"][0]["path"] == "utid"
    assert bad["errors"][0]["i18nKey"] == "422.147"
    assert_error(api.order(5000), 422, "422.025")
    assert_error(api.order(20, utid="U200025"), 422, "422.027")
    assert_error(api.order(25, recipient={"firstName": "J"}), 422, "422.029")
    assert_error(api.order(25, recipient={"email": "j@example.com"}), 422, "422.028")
    assert_error(api.order(50, utid="U300001"), 422, "422.167")
    with_address = {"firstName": "J", "lastName": "D", "email": "j@x.com", "address": ADDRESS}
    assert_error(api.order(25, recipient=with_address), 422, "422.168")
    assert_error(api.order(25, accountIdentifier="nope-00001"), 404, "404.096")
    assert_error(api.order(25, customerIdentifier="nobody-here"), 404, "404.089")
    assert_error(
        api.order(25, customerIdentifier="initech-co", accountIdentifier="initech-usd-01"),
        422,
        "422.053",
    )
    malformed = api.request(
        "POST", "/orders", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(malformed, 400, "400.009")
    missing = assert_error(api.post("/orders", json={"utid": "U100001"}), 400, None)
    assert {e["path"] for e in missing["errors"]} >= {"customerIdentifier", "amount"}
    decimals = assert_error(api.order(10.123), 400, None)
    assert decimals["errors"][0]["i18nKey"] == "422.140"
    assert api.sim.stats()["orders_total"] == 0


def test_insufficient_funds_402(api: Api) -> None:
    small = {"accountIdentifier": "acme-usd-02"}
    assert api.order(400, **small).status_code == 201
    assert_error(api.order(200, **small), 402, "402.001")
    assert api.balance("acme-usd-02") == 100.0


def test_rate_limit_429(api: Api) -> None:
    api.sim.configure(order_tps=1)
    codes = [api.order(10).status_code for _ in range(2)]
    assert codes == [201, 429]
    limited = api.order(10)
    assert_error(limited, 429, "429.001")
    assert api.sim.stats()["responses_429"] >= 2
    assert api.sim.stats()["posts_orders"] == 3


def test_get_has_credentials_list_does_not(api: Api) -> None:
    order = api.placed(25)
    detail = api.get(f"/orders/{order['referenceOrderID']}").json()
    assert detail["reward"]["credentials"]
    assert detail["orderStatus"] == "COMPLETE"
    listed = api.get("/orders").json()["orders"][0]
    assert "reward" not in listed
    assert listed["status"] == listed["orderStatus"] == "COMPLETE"
    assert listed["lineItemStatus"] == "COMPLETE"
    assert_error(api.get("/orders/RA000000-1-11"), 404, "404.017")


def test_paging_and_filters(api: Api) -> None:
    refs = [api.placed(10 + i, externalRefID=f"p-{i}")["referenceOrderID"] for i in range(7)]
    api.placed(10, accountIdentifier="acme-usd-02")
    page = api.get(
        "/orders", params={"accountIdentifier": "acme-usd-01", "elementsPerBlock": 3, "page": 2}
    ).json()
    assert page["page"] == {"number": 2, "elementsPerBlock": 3, "resultCount": 1, "totalCount": 7}
    assert page["orders"][0]["referenceOrderID"] == refs[0]  # newest first
    first = api.get("/orders", params={"accountIdentifier": "acme-usd-01"}).json()
    assert first["page"]["elementsPerBlock"] == 10
    assert first["orders"][0]["referenceOrderID"] == refs[-1]
    by_ref = api.get("/orders", params={"externalRefID": "p-3"}).json()
    assert [o["referenceOrderID"] for o in by_ref["orders"]] == [refs[3]]
    assert api.get("/orders", params={"utid": "U200001"}).json()["page"]["totalCount"] == 0
    assert (
        api.get("/orders", params={"recipientEmail": "JANE@example.com"}).json()["page"][
            "totalCount"
        ]
        == 8
    )
    assert api.get("/orders", params={"orderStatus": "PENDING"}).json()["page"]["totalCount"] == 0
    assert api.get("/orders", params={"startDate": "2020-01-01"}).json()["page"]["totalCount"] == 8
    assert api.get("/orders", params={"endDate": "2020-01-01"}).json()["page"]["totalCount"] == 0
    assert_error(api.get("/orders", params={"elementsPerBlock": 101}), 422, "422.042")
    assert_error(api.get("/orders", params={"orderStatus": "NOPE"}), 400, None)


def test_result_window_cap(api: Api) -> None:
    assert_error(api.get("/orders", params={"page": 100, "elementsPerBlock": 100}), 400, "400.021")
    assert api.get("/orders", params={"page": 99, "elementsPerBlock": 100}).status_code == 200
    api.sim.configure(max_result_window=20)
    for i in range(3):
        api.placed(10 + i)
    assert api.get("/orders", params={"page": 1, "elementsPerBlock": 10}).status_code == 200
    assert_error(api.get("/orders", params={"page": 2, "elementsPerBlock": 10}), 400, "400.021")


def test_catalog_accounts_customers(api: Api) -> None:
    catalog = api.get("/catalogs").json()
    items = [item for brand in catalog["brands"] for item in brand["items"]]
    assert len(items) >= 20
    reward_link = next(i for i in items if i["utid"] == "U100001")
    assert reward_link["valueType"] == "VARIABLE_VALUE"
    assert {"EMAIL", "PHONE", "EMBEDDED"} <= set(reward_link["attributes"])
    assert any(i["attributes"] == ["ADDRESS"] for i in items)
    accounts = api.get("/accounts").json()
    assert {a["currencyCode"] for a in accounts} == {"USD", "EUR"}
    account = api.get("/accounts/acme-usd-01").json()
    assert account["currentBalance"] == 250000.0
    assert account["accountNumber"].startswith("A")
    customers = api.get("/customers").json()
    assert {"acme-main", "globex-eu"} <= {c["customerIdentifier"] for c in customers}
    assert api.get("/customers/globex-eu").json()["accounts"]
    assert len(api.get("/customers/acme-main/accounts").json()) == 3


def test_cross_currency_and_fees(api: Api) -> None:
    eur = api.placed(100, utid="U400010")  # EUR item from a USD account
    assert eur["denomination"] == {"value": 100.0, "currencyCode": "EUR", "exchangeRate": 1.087}
    assert eur["amountCharged"]["currencyCode"] == "USD"
    assert eur["amountCharged"]["total"] == 108.7
    physical = api.placed(
        100,
        utid="U300001",
        deliveryMethod="ADDRESS",
        recipient={"firstName": "J", "lastName": "D", "address": ADDRESS},
    )
    assert physical["amountCharged"]["fee"] == 3.95
    assert physical["amountCharged"]["total"] == 103.95
