"""Async orders at volume (§7.7, §12): per-request limits, line pages of the summary and the
line-item view, and 10,000 lines over several requests in little wall time."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .conftest import Api, assert_error

pytestmark = pytest.mark.integration  # starts the simulator process

PATH = "/asyncOrders/customers/acme-main/accounts/acme-usd-01"


def lines(ref: str, count: int, amount: float = 10, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "externalRefLineItemID": f"{ref}-{i}",
            "utid": "U100001",
            "amount": amount,
            "deliveryMethod": "EMAIL",
            "recipient": {"firstName": "A", "email": f"a{i}@example.com"},
            **extra,
        }
        for i in range(count)
    ]


def order(ref: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "externalRefID": ref,
        "customerIdentifier": "acme-main",
        "accountIdentifier": "acme-usd-01",
        "lineItems": items,
    }


def test_line_item_limits_per_request(api: Api) -> None:
    too_many = assert_error(
        api.post("/asyncOrders", json=order("big-1", lines("b", 1001))), 400, None
    )
    assert too_many["errors"][0]["path"] == "lineItems"
    assert "1000" in too_many["errors"][0]["message"]
    assert api.post("/asyncOrders", json=order("big-2", lines("c", 1000))).status_code == 202
    api.sim.configure(async_max_line_items=10)
    expanded = order("big-3", lines("d", 5, quantity=3))  # 15 rewards after quantity
    assert_error(api.post("/asyncOrders", json=expanded), 400, None)
    assert (
        api.post("/asyncOrders", json=order("big-4", lines("e", 5, quantity=2))).status_code == 202
    )
    bad_quantity = order("big-5", [*lines("f", 1), *lines("g", 1, quantity=101)])
    accepted = api.post("/asyncOrders", json=bad_quantity).json()
    assert accepted["failedLineItems"][0]["externalRefLineItemID"] == "g-0"
    api.sim.configure(async_max_line_items=2000)
    assert api.post("/asyncOrders", json=order("big-6", lines("h", 1500))).status_code == 202
    assert api.sim.stats()["line_items_total"] == 1000 + 10 + 1 + 1500


def test_summary_and_line_items_are_paged(api: Api) -> None:
    items = lines("p", 250)
    for index in (3, 77, 201):
        items[index]["amount"] = 10.17  # FAILED lines
    assert api.post("/asyncOrders", json=order("paged-1", items)).status_code == 202
    first = api.get(f"{PATH}/paged-1").json()
    assert first["orderStatus"] == "PARTIAL" and first["totalLineItems"] == 250
    assert len(first["lineItems"]) == 100
    assert first["amountCharged"]["value"] == pytest.approx(247 * 10 + 3 * 10.17)
    assert first["pagination"]["nextPageAvailable"] is True
    assert first["pagination"]["prevPageAvailable"] is False
    seen = [li["externalRefLineItemID"] for li in first["lineItems"]]
    cursor = first["pagination"]["nextCursor"]
    pages = [first]
    while cursor:
        page = api.get(f"{PATH}/paged-1", params={"nextCursor": cursor}).json()
        pages.append(page)
        seen += [li["externalRefLineItemID"] for li in page["lineItems"]]
        cursor = page["pagination"]["nextCursor"]
    assert seen == [f"p-{i}" for i in range(250)]
    assert [p["pagination"]["numberOfElements"] for p in pages] == [100, 100, 50]
    back = api.get(
        f"{PATH}/paged-1", params={"prevCursor": pages[2]["pagination"]["prevCursor"]}
    ).json()
    assert [li["externalRefLineItemID"] for li in back["lineItems"]] == seen[100:200]
    assert len(api.get(f"{PATH}/paged-1", params={"maxResults": 500}).json()["lineItems"]) == 250
    assert_error(api.get(f"{PATH}/paged-1", params={"maxResults": 501}), 400, None)
    assert_error(api.get(f"{PATH}/paged-1", params={"maxResults": 0}), 400, None)
    failed = api.get(f"{PATH}/paged-1", params={"failedOnly": "true"}).json()["lineItems"]
    assert [li["externalRefLineItemID"] for li in failed] == ["p-3", "p-77", "p-201"]
    chosen = api.get(
        f"{PATH}/paged-1",
        params={"externalRefLineItemIDs": ["p-5", "p-6,p-7"]},
    ).json()["lineItems"]
    assert [li["externalRefLineItemID"] for li in chosen] == ["p-5", "p-6", "p-7"]
    by_ref = api.get(
        f"{PATH}/paged-1", params={"referenceLineItemIDs[]": chosen[0]["referenceLineItemId"]}
    ).json()["lineItems"]
    assert [li["externalRefLineItemID"] for li in by_ref] == ["p-5"]
    fifty_one = ",".join(f"p-{i}" for i in range(51))
    too_many = api.get(f"{PATH}/paged-1", params={"externalRefLineItemIDs": fifty_one})
    assert_error(too_many, 400, None)
    verbose = api.get(f"{PATH}/paged-1/lineItems").json()
    assert len(verbose["lineItems"]) == 50 and verbose["pagination"]["nextPageAvailable"]
    assert verbose["lineItems"][0]["rewards"][0]["credentialList"]
    assert (
        len(api.get(f"{PATH}/paged-1/lineItems", params={"maxResults": 100}).json()["lineItems"])
        == 100
    )
    assert_error(api.get(f"{PATH}/paged-1/lineItems", params={"maxResults": 101}), 400, None)
    listed = api.get("/orders").json()["orders"][0]
    assert listed["totalLineItems"] == 250
    assert listed["amountCharged"]["value"] == first["amountCharged"]["value"]
    summary = api.get("/asyncOrders").json()["orders"][0]
    assert summary["totalLineItems"] == 250
    assert summary["amountCharged"]["total"] == first["amountCharged"]["total"]


def test_ten_thousand_lines_over_ten_requests(api: Api) -> None:
    started = time.monotonic()
    timings = []
    for batch in range(10):
        begin = time.monotonic()
        response = api.post("/asyncOrders", json=order(f"vol-{batch}", lines(f"v{batch}", 1000)))
        assert response.status_code == 202, response.text
        timings.append(time.monotonic() - begin)
    wall = time.monotonic() - started
    assert wall < 60, f"10,000 async lines took {wall:.1f}s ({timings})"  # ~1.5 s here
    statuses = {
        o["orderStatus"]
        for o in api.get("/asyncOrders", params={"maxResults": 20}).json()["orders"]
    }
    assert statuses == {"COMPLETE"}
    counted = api.get("/lineItems", params={"orderSource": "AA"}).json()["keysetPage"]
    assert counted["totalCount"] == 10_000
    assert api.balance() == pytest.approx(250_000 - 100_000)
    begin = time.monotonic()
    moved = api.sim.advance(301)  # every email becomes DELIVERED
    assert moved["transitionsApplied"] == 10_000
    assert time.monotonic() - begin < 30
    delivered = api.get("/lineItems", params={"emailStatus": "DELIVERED"}).json()
    assert delivered["keysetPage"]["totalCount"] == 10_000
    page = api.get("/orders", params={"elementsPerBlock": 10}).json()
    assert page["page"]["totalCount"] == 10 and page["orders"][0]["totalLineItems"] == 1000
