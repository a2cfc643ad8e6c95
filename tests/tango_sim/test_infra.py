"""Persistence across restarts, fault injection, signed webhooks, the testing helper."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path

import pytest
import requests

from tango_sim.testing import running_simulator

from .conftest import ADDRESS, SECRET, Api, Receiver, assert_error, async_body

pytestmark = pytest.mark.integration  # starts the simulator process


def test_persistence_across_restart(tmp_path: Path) -> None:
    with running_simulator(tmp_path, TANGO_SIM_ORDER_TPS="0") as sim:
        api = Api(sim)
        ref = api.placed(25.11, externalRefID="persist-1")["referenceOrderID"]
        sim.advance(120)
        offset = sim.clock()["offsetSeconds"]
    assert (tmp_path / "tango_sim.sqlite3").exists()
    with running_simulator(tmp_path, TANGO_SIM_ORDER_TPS="0") as sim:
        api = Api(sim)
        assert sim.clock()["offsetSeconds"] == offset
        assert api.get(f"/orders/{ref}").json()["orderStatus"] == "PENDING"
        assert api.order(25, externalRefID="persist-1").status_code == 200
        assert api.balance() == pytest.approx(250000 - 25.11)
        sim.advance(3600)
        assert api.get(f"/orders/{ref}").json()["orderStatus"] == "COMPLETE"


def test_lost_response_creates_order(api: Api) -> None:
    api.sim.configure(
        faults={
            "rates": {"lost_response": 1.0},
            "seed": 1,
            "paths": ["/raas/v2/orders"],
            "methods": ["POST"],
        }
    )
    lost = api.order(25, externalRefID="lost-1")
    assert_error(lost, 500, None)
    assert api.get("/orders", params={"externalRefID": "lost-1"}).json()["page"]["totalCount"] == 1
    api.sim.configure(faults={})
    retry = api.order(25, externalRefID="lost-1")
    assert retry.status_code == 200
    assert api.sim.stats()["orders_by_external_ref"] == {"lost-1": 1}
    api.sim.configure(
        faults={
            "rates": {"lost_response": 1.0},
            "lost_response_mode": "close",
            "paths": ["/raas/v2/orders"],
            "methods": ["POST"],
        }
    )
    with pytest.raises(requests.ConnectionError):
        Api(api.sim).order(25, externalRefID="lost-2")
    api.sim.configure(faults={})
    assert api.order(25, externalRefID="lost-2").status_code == 200


def test_injected_errors_do_nothing_and_are_reproducible(api: Api) -> None:
    faults = {
        "rates": {"500": 0.3, "503": 0.3, "429": 0.3},
        "seed": 42,
        "paths": ["/raas/v2/orders"],
    }

    def run() -> list[int]:
        api.sim.configure(faults=faults)
        codes = [api.order(10).status_code for _ in range(12)]
        api.sim.configure(faults={})
        return codes

    first = run()
    assert {500, 503, 429} <= set(first)
    assert api.sim.stats()["orders_total"] == first.count(201)
    assert run() == first
    assert api.get("/catalogs").status_code == 200  # path not covered
    api.sim.configure(faults={"rates": {"timeout": 1.0}, "timeout_seconds": 0.3})
    started = time.monotonic()
    assert api.get("/accounts").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_webhooks_signed_and_stored(api: Api, receiver: Receiver) -> None:
    api.sim.configure(webhook_url=receiver.url, webhook_secret=SECRET)
    api.placed(
        50,
        utid="U300002",
        deliveryMethod="ADDRESS",
        recipient={"firstName": "J", "lastName": "D", "address": ADDRESS},
    )
    event = receiver.wait_for("LineItemDeliveryStatus")[0]
    headers, raw = next((h, b) for h, b in receiver.received if b"LineItemDeliveryStatus" in b)
    expected = base64.b64encode(
        hmac.new(base64.b64decode(SECRET), raw, hashlib.sha256).digest()
    ).decode()
    assert headers["X-Signed-Payload"] == expected
    assert event["category"] == "ORDER"
    assert event["eventData"]["status"] == "IN_PROGRESS"
    assert {"eventId", "revision", "eventOccurredAt"} <= event.keys()
    api.sim.advance(86400)
    shipped = receiver.wait_for("LineItemDeliveryStatus", 2)[1]
    assert shipped["eventData"]["status"] == "SHIPPED"
    assert shipped["revision"] > event["revision"]
    # RewardStatus on freeze, AsyncOrderStatus on settle, LowBalance when crossing a threshold.
    line = api.placed(25)["referenceLineItemID"]
    api.post(f"/lineItems/{line}/freeze", json={"reasonCode": "FRAUD"})
    assert receiver.wait_for("RewardStatus")[0]["eventData"]["status"] == "FROZEN"
    api.post("/asyncOrders", json=async_body("hook-1", [5, 5.17]))
    settled = receiver.wait_for("AsyncOrderStatus")[0]["eventData"]
    assert settled["status"] == "PARTIALFAILED"
    assert settled["failedLineItems"] == 1 and settled["successfulLineItems"] == 1
    api.placed(450, accountIdentifier="acme-usd-02")
    low = receiver.wait_for("LowBalance")[0]["eventData"]
    assert low["accountIdentifier"] == "acme-usd-02" and low["balance"] == 50.0


def test_webhook_subscription_api(api: Api, receiver: Receiver) -> None:
    receiver.fail_first = 1  # the first delivery is retried
    api.sim.configure(webhook_backoff_seconds=0.05)
    created = api.post(
        "/webhooks",
        json={
            "url": receiver.url,
            "categories": ["ACCOUNT"],
            "payloadVerificationMethod": "HMAC",
            "hmacSharedSecretKey": SECRET,
        },
    )
    assert created.status_code == 201, created.text
    hook = created.json()["webhookId"]
    assert created.json()["expiresAt"]
    assert api.get(f"/webhooks/{hook}").json()["categories"] == ["ACCOUNT"]
    assert hook in [w["webhookId"] for w in api.get("/webhooks").json()["items"]]
    test = api.post(f"/webhooks/{hook}/tests/ConnectivityTest")
    assert test.status_code == 200
    receiver.wait_for("ConnectivityTest")
    api.sim.fund("acme-usd-01", 10)  # Transaction (ACCOUNT) event
    receiver.wait_for("Transaction")
    api.placed(25)  # no ORDER/REWARD events for this subscription
    events = api.get(f"/webhooks/{hook}/events").json()["items"]
    assert [e["revision"] for e in events] == [1, 2]
    replay = api.post(f"/webhooks/{hook}/replay", params={"fromRevision": 0})
    assert replay.json()["numberOfEvents"] == 2
    replayed = receiver.wait_for("ConnectivityTest", 2)
    assert replayed[0]["eventId"] == replayed[1]["eventId"]
    assert_error(api.post(f"/webhooks/{hook}/tests/Nope"), 404, None)
    assert_error(api.post("/webhooks", json={"url": "ftp://x"}), 400, None)
    assert api.request("DELETE", f"/webhooks/{hook}").status_code == 200
    assert_error(api.get(f"/webhooks/{hook}"), 404, None)


def test_admin_api(api: Api) -> None:
    clock = api.sim.clock()
    moved = api.sim.advance(3600)
    assert moved["offsetSeconds"] == clock["offsetSeconds"] + 3600
    config = api.sim.configure(order_tps=5, create_latency_ms=0)
    assert config["order_tps"] == 5.0
    api.sim.reset()
    assert api.sim.config()["order_tps"] == 0.0  # startup value (env) restored
    assert api.sim.clock()["offsetSeconds"] == 0
    bad = requests.post(f"{api.sim.admin_url}/config", json={"nope": 1}, timeout=10)
    assert bad.status_code == 400
    status = requests.post(
        f"{api.sim.admin_url}/accounts/acme-usd-01/status", json={"status": "FROZEN"}, timeout=10
    )
    assert status.status_code == 200
    assert_error(api.order(10), 422, "422.053")
    assert "posts_orders" in api.sim.stats()


def test_error_envelope_timestamp_follows_the_simulated_clock(api: Api) -> None:
    api.sim.advance(3 * 86400)
    clock = api.sim.clock()
    response = api.get("/orders/RA000000-0-00")
    assert response.status_code == 404
    stamp = response.json()["timestamp"]
    assert stamp[:10] == str(clock.get("now", ""))[:10], (stamp, clock)
