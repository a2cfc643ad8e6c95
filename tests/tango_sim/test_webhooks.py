"""Webhook revisions, stored events (paging), withholding + replay, expiry and renew (§13)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from .conftest import SECRET, Api, Receiver, assert_error

pytestmark = pytest.mark.integration  # starts the simulator process

DAY = 86400


def subscribe(api: Api, receiver: Receiver, **extra: object) -> str:
    body = {
        "url": receiver.url,
        "categories": ["ACCOUNT"],
        "payloadVerificationMethod": "HMAC",
        "hmacSharedSecretKey": SECRET,
        **extra,
    }
    created = api.post("/webhooks", json=body)
    assert created.status_code == 201, created.text
    return created.json()["webhookId"]


def withhold(api: Api, enabled: bool, **extra: object) -> dict:
    return api.sim.admin("POST", "/webhooks/withhold", {"enabled": enabled, **extra})


def revisions(receiver: Receiver) -> list[int]:
    return sorted(e["revision"] for e in receiver.events("Transaction"))


def eventually(read: Callable[[], Any], expected: Any, timeout: float = 10) -> None:
    """Assert that `read()` comes to equal `expected` before the deadline: a delivery is seen
    by the receiver a moment before the simulator records its outcome, so a single read
    races."""
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    assert value == expected


def wait_revisions(receiver: Receiver, expected: list[int], timeout: float = 10) -> None:
    eventually(lambda: revisions(receiver), expected, timeout)


def signed_ok(receiver: Receiver) -> bool:
    key = base64.b64decode(SECRET)
    return all(
        headers.get("X-Signed-Payload")
        == base64.b64encode(hmac.new(key, raw, hashlib.sha256).digest()).decode()
        for headers, raw in receiver.received
    )


def test_events_have_increasing_revisions_and_page(api: Api, receiver: Receiver) -> None:
    hook = subscribe(api, receiver)
    other = subscribe(api, receiver, categories=["ORDER"])
    for amount in range(1, 8):
        api.sim.fund("acme-usd-01", amount)
    first = api.get(f"/webhooks/{hook}/events", params={"maxResults": 3}).json()
    assert [e["revision"] for e in first["items"]] == [1, 2, 3]
    assert first["nextPageAvailable"] is True and first["maxResults"] == 3
    seen = [e["revision"] for e in first["items"]]
    cursor = first["nextCursor"]
    while cursor:
        page = api.get(
            f"/webhooks/{hook}/events", params={"maxResults": 3, "nextCursor": cursor}
        ).json()
        seen += [e["revision"] for e in page["items"]]
        cursor = page["nextCursor"]
    assert seen == list(range(1, 8))
    window = api.get(f"/webhooks/{hook}/events", params={"fromRevision": 3, "toRevision": 5})
    items = window.json()["items"]
    assert [e["revision"] for e in items] == [3, 4, 5]
    assert items[0]["eventType"] == "Transaction" and items[0]["categories"] == ["ACCOUNT"]
    assert items[0]["eventData"]["amount"] == 3.0
    assert api.get(f"/webhooks/{other}/events").json()["items"] == []
    api.post(f"/webhooks/{other}/tests/ConnectivityTest")
    assert [e["revision"] for e in api.get(f"/webhooks/{other}/events").json()["items"]] == [1]
    by_type = api.get(f"/webhooks/{hook}/events", params={"eventType": "LowBalance"}).json()
    assert by_type["items"] == []
    backwards = api.get(f"/webhooks/{hook}/events", params={"fromRevision": 5, "toRevision": 2})
    assert_error(backwards, 400, None)
    assert_error(api.post(f"/webhooks/{hook}/replay"), 400, None)  # fromRevision required


def test_withheld_events_leave_a_gap_that_replay_fills(api: Api, receiver: Receiver) -> None:
    hook = subscribe(api, receiver)
    api.sim.fund("acme-usd-01", 1)
    wait_revisions(receiver, [1])
    state = withhold(api, True)
    assert state["withholdAll"] is True
    api.sim.fund("acme-usd-01", 2)
    api.sim.fund("acme-usd-01", 3)
    assert withhold(api, False)["withheldEvents"] == 2
    api.sim.fund("acme-usd-01", 4)
    wait_revisions(receiver, [1, 4])  # revisions 2 and 3 never arrived: a gap
    stored = api.get(f"/webhooks/{hook}/events").json()["items"]
    assert [(e["revision"], e["deliveryStatus"]) for e in stored] == [
        (1, "DELIVERED"),
        (2, "WITHHELD"),
        (3, "WITHHELD"),
        (4, "DELIVERED"),
    ]
    replay = api.post(f"/webhooks/{hook}/replay", params={"fromRevision": 2, "toRevision": 3})
    assert replay.status_code == 200 and replay.json()["numberOfEvents"] == 2
    wait_revisions(receiver, [1, 2, 3, 4])
    assert signed_ok(receiver)
    replayed = {e["revision"]: e for e in receiver.events("Transaction")}
    assert replayed[2]["eventId"] == stored[1]["eventId"]
    assert replayed[3]["eventData"]["amount"] == 3.0
    eventually(
        lambda: {e["deliveryStatus"] for e in api.get(f"/webhooks/{hook}/events").json()["items"]},
        {"DELIVERED"},
        timeout=5,
    )


def test_withhold_one_subscription_and_release(api: Api, receiver: Receiver) -> None:
    quiet = Receiver()
    try:
        held = subscribe(api, quiet)
        subscribe(api, receiver)
        withhold(api, True, webhookId=held)
        assert api.sim.admin("GET", "/webhooks/withhold")["webhookIds"] == [held]
        api.sim.fund("acme-usd-01", 5)
        wait_revisions(receiver, [1])
        time.sleep(0.2)
        assert quiet.events() == []
        withhold(api, False, webhookId=held, deliverWithheld=True)
        wait_revisions(quiet, [1])
        eventually(lambda: api.sim.stats()["webhook_events_by_status"], {"DELIVERED": 2})
    finally:
        quiet.server.shutdown()
        quiet.server.server_close()
    with pytest.raises(Exception, match="404"):
        withhold(api, True, webhookId="nope")


def test_subscription_expiry_and_renew(api: Api, receiver: Receiver) -> None:
    api.sim.configure(webhook_lifetime_days=2)
    created = api.post("/webhooks", json={"url": receiver.url, "categories": ["ACCOUNT"]}).json()
    hook = created["webhookId"]
    now = datetime.fromisoformat(api.sim.clock()["now"].replace("Z", "+00:00"))
    expires = datetime.fromisoformat(created["expiresAt"].replace("Z", "+00:00"))
    assert abs((expires - now).total_seconds() - 2 * DAY) < 60
    assert api.get(f"/webhooks/{hook}").json()["expiresAt"] == created["expiresAt"]
    api.sim.fund("acme-usd-01", 1)
    wait_revisions(receiver, [1])
    api.sim.advance(3 * DAY)
    api.sim.fund("acme-usd-01", 2)  # expired: not stored, no revision, not sent
    time.sleep(0.2)
    assert revisions(receiver) == [1]
    assert len(api.get(f"/webhooks/{hook}/events").json()["items"]) == 1
    renewed = api.post(f"/webhooks/{hook}/renew").json()
    assert renewed["webhookId"] == hook and renewed["expiresAt"] > created["expiresAt"]
    assert api.get(f"/webhooks/{hook}").json()["expiresAt"] == renewed["expiresAt"]
    api.sim.fund("acme-usd-01", 3)
    wait_revisions(receiver, [1, 2])
    with pytest.raises(Exception, match="400"):
        api.sim.configure(webhook_lifetime_days=0)
