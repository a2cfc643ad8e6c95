"""Tango webhooks: signature first, dedupe by eventId, store raw, process once in a task."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import path

from orders import webhooks
from orders.models import Account, LineItem, OrderEvent, WebhookEvent
from orders.statuses import EventSource
from orders.tasks.webhooks import process_webhook_event as process_task
from orders.views.webhook import tango_webhook
from tango.testing import FakeTango
from tango.webhooks import parse_envelope
from tests.factories import AccountFactory, LineItemFactory, OrderFactory

# The lead wires the project URL; the tests route to the view themselves.
urlpatterns = [path("webhooks/tango/", tango_webhook)]
pytestmark = pytest.mark.urls(__name__)

URL = "/webhooks/tango/"
SECRET = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def signed(body: bytes, secret: str = SECRET) -> str:
    key = base64.b64decode(secret)
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def envelope(event_type: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "eventId": str(uuid.uuid4()),
        "revision": 1,
        "category": "REWARD",
        "eventType": event_type,
        "eventOccurredAt": "2026-11-02T10:00:00.123456789Z",
        "eventData": data,
        **extra,
    }


@pytest.fixture(autouse=True)
def webhook_secret(settings) -> None:
    settings.TANGO_WEBHOOK_SECRET = SECRET


@pytest.fixture
def csrf_client(client):
    # Tango cannot send a CSRF token: prove the endpoint works with checks enforced.
    client.handler.enforce_csrf_checks = True
    return client


@pytest.fixture
def enqueued(record_tasks) -> list:
    """Ids passed to the processing task after commit (no broker involved)."""
    calls: list = []
    record_tasks(
        lambda name, kw: calls.append(
            kw["webhook_event_id"]
            if name == "orders.tasks.webhooks.process_webhook_event"
            else (name, kw)
        )
    )
    return calls


def post(client, payload: Any, *, signature: str | None = "auto", raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {}
    if signature == "auto":
        headers["HTTP_X_SIGNED_PAYLOAD"] = signed(body)
    elif signature is not None:
        headers["HTTP_X_SIGNED_PAYLOAD"] = signature
    return client.post(URL, data=body, content_type="application/json", **headers)


@pytest.fixture
def line(db) -> LineItem:
    order = OrderFactory(placed=True)
    return order.line_items.get()


def test_valid_event_is_stored_enqueued_after_commit_and_processed_once(
    csrf_client, line: LineItem, enqueued: list[int], django_capture_on_commit_callbacks
) -> None:
    payload = envelope(
        "RewardStatus",
        {
            "referenceLineItemId": line.reference_line_item_id,
            "status": "FROZEN",
            "action": "FREEZE",
            "reasonCode": "FRAUD",
        },
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(csrf_client, payload)
    assert response.status_code == 200
    assert enqueued == []  # nothing is sent to the broker before the commit
    for callback in callbacks:
        callback()
    event = WebhookEvent.objects.get(event_id=payload["eventId"])
    assert enqueued == [event.pk]
    assert json.loads(event.body) == payload and event.event_type == "RewardStatus"
    assert event.occurred_at is not None and event.processed_at is None

    with django_capture_on_commit_callbacks(execute=True):
        again = post(csrf_client, payload)  # Tango redelivers the same event
    assert again.status_code == 200 and WebhookEvent.objects.count() == 1
    assert enqueued == [event.pk, event.pk]  # not processed yet: safe to enqueue again

    process_task(event.pk)
    process_task(event.pk)  # the duplicate task finds it processed and does nothing

    line.refresh_from_db()
    assert line.reward_status == "FROZEN"
    timeline = OrderEvent.objects.filter(line_item=line)
    assert timeline.count() == 1
    assert timeline[0].source == EventSource.WEBHOOK and timeline[0].new_status == "FROZEN"
    assert timeline[0].details["reasonCode"] == "FRAUD"

    with django_capture_on_commit_callbacks(execute=True):
        post(csrf_client, payload)  # a third delivery after processing
    assert enqueued == [event.pk, event.pk]
    assert OrderEvent.objects.filter(line_item=line).count() == 1


def test_bad_signature_is_rejected_with_a_log_line(
    csrf_client, line: LineItem, enqueued: list[int], caplog
) -> None:
    payload = envelope(
        "RewardStatus",
        {
            "referenceLineItemId": line.reference_line_item_id,
            "status": "FROZEN",
            "email": "jane@example.com",
        },
    )
    body = json.dumps(payload).encode()
    with caplog.at_level(logging.WARNING, logger="orders.views.webhook"):
        wrong_key = post(
            csrf_client,
            None,
            raw=body,
            signature=signed(body, base64.b64encode(b"x" * 32).decode()),
        )
        tampered = post(
            csrf_client, None, raw=body.replace(b"FROZEN", b"ACTIVATED"), signature=signed(body)
        )
        missing = post(csrf_client, None, raw=body, signature=None)
    assert [r.status_code for r in (wrong_key, tampered, missing)] == [401, 401, 401]
    assert caplog.text.count("bad or missing signature") == 3
    assert "jane@example.com" not in caplog.text and "FROZEN" not in caplog.text
    assert WebhookEvent.objects.count() == 0 and enqueued == []
    line.refresh_from_db()
    assert line.reward_status == ""


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"eventType": "RewardStatus", "eventData": {}}).encode(), "eventId"),
        (json.dumps({"eventId": "e-1", "eventData": {}}).encode(), "eventType"),
        (
            json.dumps({"eventId": "e-1", "eventType": "RewardStatus", "eventData": []}).encode(),
            "eventData",
        ),
    ],
)
def test_malformed_body_is_rejected_with_a_log_line(
    csrf_client, db, enqueued: list[int], caplog, raw: bytes, reason: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="orders.views.webhook"):
        response = post(csrf_client, None, raw=raw)
    assert response.status_code == 400
    assert "webhook rejected" in caplog.text and reason in caplog.text
    assert WebhookEvent.objects.count() == 0 and enqueued == []


def test_unknown_event_type_is_stored_and_ignored_with_a_log_line(
    csrf_client, line: LineItem, enqueued: list[int], caplog
) -> None:
    payload = envelope(
        "SomethingNew", {"referenceLineItemId": line.reference_line_item_id, "status": "FROZEN"}
    )
    response = post(csrf_client, payload)
    event = WebhookEvent.objects.get()
    with caplog.at_level(logging.WARNING, logger="orders.webhooks"):
        outcome = process_task(event.pk)
    assert response.status_code == 200
    assert outcome == webhooks.IGNORED_UNKNOWN_TYPE
    assert "unknown event type" in caplog.text and "SomethingNew" in caplog.text
    event.refresh_from_db()
    assert (
        event.processed_at is not None and event.processing_error == webhooks.IGNORED_UNKNOWN_TYPE
    )
    line.refresh_from_db()
    assert line.reward_status == "" and OrderEvent.objects.count() == 0


@pytest.mark.parametrize("secret", ["", "not base64 !!"])
def test_missing_secret_refuses_events(
    csrf_client, db, settings, enqueued: list[int], caplog, secret: str
) -> None:
    settings.TANGO_WEBHOOK_SECRET = secret
    with caplog.at_level(logging.ERROR, logger="orders.views.webhook"):
        response = post(csrf_client, envelope("RewardStatus", {}), signature="anything")
    assert response.status_code == 503 and "TANGO_WEBHOOK_SECRET" in caplog.text
    assert WebhookEvent.objects.count() == 0


def test_only_post_is_allowed(client, db) -> None:
    assert client.get(URL).status_code == 405


def test_array_spellings_of_category_and_event_type_are_accepted(
    csrf_client, line: LineItem, enqueued: list[int]
) -> None:
    payload = envelope(
        "x", {"referenceLineItemId": line.reference_line_item_id, "status": "IN_PROGRESS"}
    )
    del payload["eventType"], payload["category"]
    payload.update(eventTypes=["LineItemDeliveryStatus"], categories=["ORDER"])
    assert post(csrf_client, payload).status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.event_type, event.category) == ("LineItemDeliveryStatus", "ORDER")
    process_task(event.pk)
    line.refresh_from_db()
    assert line.delivery_status == "PROCESSING"


def _store(payload: dict[str, Any]) -> WebhookEvent:
    body = json.dumps(payload).encode()
    event, _ = webhooks.store_webhook_event(envelope=parse_envelope(body), body=body)
    return event


def test_an_older_event_does_not_undo_a_newer_one(line: LineItem, enqueued: list[int]) -> None:
    ref = line.reference_line_item_id
    newer = _store(
        envelope(
            "RewardStatus",
            {"referenceLineItemId": ref, "status": "UNFROZEN"},
            eventOccurredAt="2026-11-02T12:00:00Z",
            revision=8,
        )
    )
    older = _store(
        envelope(
            "RewardStatus",
            {"referenceLineItemId": ref, "status": "FROZEN"},
            eventOccurredAt="2026-11-02T11:00:00Z",
            revision=7,
        )
    )
    webhooks.process_webhook_event(webhook_event_id=newer.pk)
    outcome = webhooks.process_webhook_event(webhook_event_id=older.pk)

    line.refresh_from_db()
    assert line.reward_status == "ACTIVE"
    assert "newer event" in outcome


def test_account_events_update_the_account(db, enqueued: list[int]) -> None:
    account = AccountFactory()
    low = _store(
        envelope(
            "LowBalance",
            {"accountIdentifier": account.identifier, "balance": 42.5, "balanceThreshold": 100},
        )
    )
    status = _store(
        envelope("AccountStatus", {"accountIdentifier": account.identifier, "status": "FROZEN"})
    )
    webhooks.process_webhook_event(webhook_event_id=low.pk)
    webhooks.process_webhook_event(webhook_event_id=status.pk)

    account.refresh_from_db()
    assert account.current_balance == Decimal("42.50") and account.status == "FROZEN"
    assert account.balance_synced_at == low.occurred_at


def test_unknown_line_item_is_noted_not_failed(db, enqueued: list[int]) -> None:
    event = _store(
        envelope("RewardStatus", {"referenceLineItemId": "RA-NOPE-1", "status": "FROZEN"})
    )
    outcome = webhooks.process_webhook_event(webhook_event_id=event.pk)
    event.refresh_from_db()
    assert "not known locally" in outcome and event.processed_at is not None


def test_async_order_status_mirrors_the_bulk_order(
    fake_tango: FakeTango, db, enqueued: list[int]
) -> None:
    order = OrderFactory(
        placed=True, is_bulk=True, reference_order_id=None, tango_status="", line_item=None
    )
    for n in (1, 2):
        LineItemFactory(
            order=order,
            line_number=n,
            reference_line_item_id=None,
            status="",
            external_ref_line_item_id=f"{order.external_ref_id}-{n}",
        )
    fake_tango.async_detail = {
        "referenceOrderID": "AA261102-77-11",
        "externalRefID": order.external_ref_id,
        "orderStatus": "PARTIAL",
        "lineItems": [
            {
                "referenceLineItemId": "AA261102-77-11-1",
                "lineItemStatus": "COMPLETE",
                "externalRefLineItemID": f"{order.external_ref_id}-1",
            },
            {
                "referenceLineItemId": "AA261102-77-11-2",
                "lineItemStatus": "FAILED",
                "externalRefLineItemID": f"{order.external_ref_id}-2",
                "lineItemErrors": [{"error_code": "422.030", "error_message": "item not active"}],
            },
        ],
    }
    event = _store(
        envelope(
            "AsyncOrderStatus",
            {
                "externalRefID": order.external_ref_id,
                "status": "PARTIALFAILED",
                "accountIdentifier": order.account.identifier,
                "referenceOrderId": "AA261102-77-11",
            },
            category="ORDER",
        )
    )

    process_task(event.pk)

    order.refresh_from_db()
    assert (order.reference_order_id, order.tango_status) == ("AA261102-77-11", "PARTIAL")
    lines = list(order.line_items.values_list("line_number", "status", "reference_line_item_id"))
    assert lines == [(1, "COMPLETE", "AA261102-77-11-1"), (2, "FAILED", "AA261102-77-11-2")]
    assert order.line_items.get(line_number=2).errors == [
        {"code": "422.030", "message": "item not active"}
    ]
    status_event = order.events.get(kind=OrderEvent.Kind.STATUS_CHANGED)
    assert (status_event.new_status, status_event.source) == ("PARTIAL", EventSource.WEBHOOK)


# --- setup_webhooks --------------------------------------------------------------------------


def test_setup_webhooks_subscribes_once(fake_tango: FakeTango, settings, db) -> None:
    fake = fake_tango
    settings.TANGO_WEBHOOK_URL = "http://127.0.0.1:8000/webhooks/tango/"

    out = StringIO()
    call_command("setup_webhooks", stdout=out)
    call_command("setup_webhooks", stdout=out)

    assert fake.count("create_webhook") == 1
    created = next(kw for name, kw in fake.calls if name == "create_webhook")
    assert created["secret"] == SECRET and "RewardStatus" in created["event_types"]
    assert "Already subscribed" in out.getvalue()

    settings.TANGO_WEBHOOK_SECRET = ""
    out = StringIO()
    call_command("setup_webhooks", stdout=out)
    assert "TANGO_WEBHOOK_SECRET is not set" in out.getvalue()
    assert fake.count("create_webhook") == 1


def test_account_unknown_is_ignored(db, enqueued: list[int]) -> None:
    event = _store(
        envelope("AccountStatus", {"accountIdentifier": "nobody-01", "status": "FROZEN"})
    )
    assert "not known locally" in webhooks.process_webhook_event(webhook_event_id=event.pk)
    assert Account.objects.count() == 0


# --- end to end with the simulator ------------------------------------------------------------


@pytest.mark.integration
def test_simulator_webhooks_reach_the_endpoint_signed(
    live_server, tmp_path, settings, enqueued: list[int]
) -> None:
    """setup_webhooks subscribes us at the simulator; its signed events pass our checks."""
    import time

    from orders.sync import reference
    from tango.client import reset_client
    from tango_sim.testing import running_simulator

    with running_simulator(tmp_path) as sim:
        settings.TANGO_BASE_URL = sim.base_url
        settings.TANGO_WEBHOOK_URL = f"{live_server.url}{URL}"
        reset_client()
        try:
            reference.sync_accounts()
            out = StringIO()
            call_command("setup_webhooks", stdout=out)
            assert "Subscribed" in out.getvalue()

            sim.admin("POST", "/accounts/acme-usd-02/status", {"status": "FROZEN"})
            deadline = time.monotonic() + 10
            while not WebhookEvent.objects.exists() and time.monotonic() < deadline:
                time.sleep(0.1)

            event = WebhookEvent.objects.get()
            assert event.event_type == "AccountStatus" and enqueued == [event.pk]
            process_task(event.pk)
            assert Account.objects.get(identifier="acme-usd-02").status == "FROZEN"
            call_command("setup_webhooks", stdout=out)
            assert "Already subscribed" in out.getvalue()
        finally:
            reset_client()
