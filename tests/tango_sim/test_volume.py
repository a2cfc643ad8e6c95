"""Volume: ``/__sim/bulk/orders`` (10,000+ orders over several GET /orders windows), paging
and the 10,000-result cap at that volume."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import Api, assert_error

pytestmark = pytest.mark.integration  # starts the simulator process

DAYS = 120


def sim_now(api: Api) -> datetime:
    return datetime.fromisoformat(api.sim.clock()["now"].replace("Z", "+00:00"))


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_bulk_orders_span_several_windows(api: Api) -> None:
    end = sim_now(api)
    start = end - timedelta(days=DAYS)
    started = time.monotonic()
    result = api.sim.bulk_orders(12_000, start=stamp(start), end=stamp(end), seed=11)
    wall = time.monotonic() - started
    assert result["created"] == 12_000 and result["lineItems"] > 12_000
    assert wall < 10, f"bulk creation took {wall:.1f}s"  # about 1 s on a laptop
    assert start <= datetime.fromisoformat(result["from"].replace("Z", "+00:00"))
    statuses = result["byStatus"]
    assert statuses["COMPLETE"] > 9000
    assert {"FAILED", "PARTIAL", "PENDING", "CANCELLED"} <= statuses.keys()
    assert api.balance() == 250000.0  # debit defaults to false
    everything = api.get("/orders", params={"elementsPerBlock": 100}).json()
    assert everything["page"]["totalCount"] == 12_000
    # The 10,000-result cap: page 99 of 100 is the last reachable one.
    last = api.get("/orders", params={"elementsPerBlock": 100, "page": 99})
    assert last.status_code == 200 and last.json()["page"]["resultCount"] == 100
    capped = api.get("/orders", params={"elementsPerBlock": 100, "page": 100})
    assert_error(capped, 400, "400.021")
    # Four 30-day windows: each under the cap, together exactly everything.
    bounds = [start + timedelta(days=30 * i) for i in range(5)]
    bounds[-1] = end
    totals = []
    for low, high in itertools.pairwise(bounds):
        params = {
            "startDate": stamp(low),
            "endDate": stamp(high - timedelta(microseconds=1)),
            "elementsPerBlock": 100,
        }
        if high == end:
            params["endDate"] = stamp(end)
        totals.append(api.get("/orders", params=params).json()["page"]["totalCount"])
    assert sum(totals) == 12_000 and max(totals) < 10_000 and min(totals) > 2000
    # Page one window completely: every order once, newest first.
    params = {"startDate": stamp(bounds[1]), "endDate": stamp(bounds[2]), "elementsPerBlock": 100}
    refs: list[str] = []
    created: list[str] = []
    page = 0
    while True:
        body = api.get("/orders", params={**params, "page": page}).json()
        refs += [o["referenceOrderID"] for o in body["orders"]]
        created += [o["createdAt"] for o in body["orders"]]
        if body["page"]["resultCount"] < 100:
            break
        page += 1
    assert len(refs) == len(set(refs)) == body["page"]["totalCount"]
    assert created == sorted(created, reverse=True)
    lines = api.get("/lineItems", params={"elementsPerBlock": 100}).json()["keysetPage"]
    assert lines["totalCount"] == result["lineItems"]


def test_bulk_orders_look_like_real_ones(api: Api) -> None:
    result = api.sim.bulk_orders(
        400, seed=5, accounts=["acme-usd-01", "globex-eur-01"], externalRefPrefix="vol-"
    )
    assert set(result["charged"]) == {"acme-usd-01", "globex-eur-01"}
    complete = api.get("/orders", params={"orderStatus": "COMPLETE", "elementsPerBlock": 5})
    sample = complete.json()["orders"][0]
    assert sample["externalRefID"].startswith("vol-")
    assert sample["accountIdentifier"] in {"acme-usd-01", "globex-eur-01"}
    detail = api.get(f"/orders/{sample['referenceOrderID']}").json()
    assert detail["reward"]["credentialList"] and detail["recipient"]["firstName"]
    partial = api.get("/orders", params={"orderStatus": "PARTIAL"}).json()["orders"]
    assert partial  # 2 % of 400 with this seed
    assert partial[0]["referenceOrderID"].startswith("AA")
    external = partial[0]["externalRefID"]
    account = partial[0]["accountIdentifier"]
    customer = partial[0]["customerIdentifier"]
    summary = api.get(f"/asyncOrders/customers/{customer}/accounts/{account}/{external}")
    statuses = {li["lineItemStatus"] for li in summary.json()["lineItems"]}
    assert statuses == {"COMPLETE", "FAILED"}
    failed = api.get("/lineItems", params={"status": "FAILED"}).json()["lineItems"]
    assert failed and all(li["rewardStatus"] is None for li in failed)
    pending = api.get("/orders", params={"orderStatus": "PENDING"}).json()["orders"]
    assert all(o["lineItemStatus"] == "PENDING" for o in pending)
    again = api.get("/orders", params={"externalRefID": "vol-7"}).json()
    assert again["page"]["totalCount"] == 1


def test_bulk_is_deterministic_and_can_debit(api: Api) -> None:
    first = api.sim.bulk_orders(300, seed=42, spread="even")
    head = api.get("/orders", params={"elementsPerBlock": 20}).json()["orders"]
    api.sim.reset()
    second = api.sim.bulk_orders(300, seed=42, spread="even")
    assert second["byStatus"] == first["byStatus"] and second["charged"] == first["charged"]
    again = api.get("/orders", params={"elementsPerBlock": 20}).json()["orders"]
    assert [o["referenceOrderID"] for o in again] == [o["referenceOrderID"] for o in head]
    assert [o["amountCharged"] for o in again] == [o["amountCharged"] for o in head]
    before = api.balance()
    charged = api.sim.bulk_orders(50, seed=1, accounts=["acme-usd-01"], debit=True)["charged"]
    assert api.balance() == pytest.approx(before - charged["acme-usd-01"])


def test_bulk_validation(api: Api) -> None:
    for body in (
        {"count": 0},
        {"count": 10, "accounts": ["initech-usd-01"]},
        {"count": 10, "mix": {"NOPE": 1}},
        {"count": 10, "mix": {"COMPLETE": 0}},
        {"count": 10, "start": "not-a-date"},
        {"count": 10, "asyncShare": 2},
        {"count": 10, "seed": "x"},
    ):
        with pytest.raises(Exception, match="400"):
            api.sim.admin("POST", "/bulk/orders", body)
    api.sim.bulk_orders(5, externalRefPrefix="same-")
    with pytest.raises(Exception, match="400"):
        api.sim.bulk_orders(5, externalRefPrefix="same-")
    assert api.sim.stats()["orders_total"] == 5
