"""Bad input gives a clear message, never a 500, and writes nothing (issue 8 items 7, 9-11).

Each test sends what broke the console when it was attacked: dates past year 9999 (the date
picker allows them), a non-ASCII digit as a poll cursor, webhooks Tango never sends (a
revision past 64 bits, JSON nested 100,000 deep, both correctly signed), a resend to a bogus
destination and an email address whose local part is longer than Tango accepts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from orders.models import BulkJob, Order, OrderEvent, WebhookEvent
from tests.factories import OrderFactory

HTMX = {"HX-Request": "true"}
DATE_PROBLEM = "Enter a date between 1900-01-01 and 2999-12-31"
SECRET = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@pytest.fixture
def manager(client, make_user):
    user = make_user("Manager")
    client.force_login(user)
    return user


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- item 7: dates far in the future (or past) ------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
@pytest.mark.parametrize("name", ["created_from", "created_to", "ordered_from", "ordered_to"])
@pytest.mark.parametrize("fragment", [False, True])
def test_an_out_of_range_date_on_the_orders_list_is_named_not_a_500(
    client, manager, name, value, fragment
):
    OrderFactory()
    response = client.get(reverse("orders:list"), {name: value}, headers=HTMX if fragment else {})
    assert response.status_code == 200
    assert DATE_PROBLEM in page_text(response)


@pytest.mark.parametrize("name", ["created_to", "ordered_to"])
def test_an_out_of_range_date_on_the_facets_is_not_a_500(client, manager, name):
    response = client.get(reverse("orders:facets"), {name: "9999-12-31"})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["at_from", "at_to"])
def test_an_out_of_range_date_on_the_audit_log_is_named_not_a_500(client, manager, name):
    for headers in ({}, HTMX):
        response = client.get(reverse("audit:log"), {name: "9999-12-31"}, headers=headers)
        assert response.status_code == 200
        assert DATE_PROBLEM in page_text(response)


def test_dates_inside_the_range_still_filter(client, manager):
    OrderFactory()
    response = client.get(reverse("orders:list"), {"created_to": "2999-12-31"})
    assert response.status_code == 200
    assert DATE_PROBLEM not in page_text(response)
    assert "1\N{EN DASH}1" in page_text(response)


def test_a_bulk_job_over_an_invalid_filter_is_refused_and_writes_nothing(
    client, manager, record_tasks
):
    sent: list = []
    record_tasks(lambda name, kwargs: sent.append(name))
    OrderFactory(state="held")
    response = client.post(
        reverse("orders:bulk-start"),
        {"action": "release", "all_matching": "on", "query_string": "created_to=9999-12-31"},
        follow=True,
    )
    assert response.status_code == 200
    assert DATE_PROBLEM in page_text(response)
    assert "No bulk job was started" in page_text(response)
    assert not BulkJob.objects.exists() and sent == []
    assert not AuditEntry.objects.exists()


# --- item 9: a poll cursor that is a digit but not a number -----------------------------------


@pytest.mark.parametrize("watch", ["²", "١٢", "9" * 40, "-1", ""])
def test_a_strange_watch_cursor_on_the_detail_fragment_is_not_a_500(client, manager, watch):
    order = OrderFactory(placed=True)
    order.line_items.update(resend_requested_at=timezone.now())  # a resend in flight: polled
    response = client.get(reverse("orders:detail", args=[order.pk]), {"watch": watch})
    assert response.status_code == 200
    fragment = client.get(reverse("orders:detail", args=[order.pk]), {"watch": watch}, headers=HTMX)
    assert fragment.status_code in (200, 204)


# --- item 10: signed webhooks Tango never sends -----------------------------------------------


def signed_post(client, body: bytes):
    key = base64.b64decode(SECRET)
    signature = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
    return client.post(
        reverse("orders:tango-webhook"),
        data=body,
        content_type="application/json",
        HTTP_X_SIGNED_PAYLOAD=signature,
    )


def envelope(**extra) -> dict:
    return {
        "eventId": str(uuid.uuid4()),
        "revision": 1,
        "category": "ACCOUNT",
        "eventType": "AccountStatus",
        "eventOccurredAt": "2026-11-02T10:00:00Z",
        "eventData": {"accountIdentifier": "acme-usd-01", "status": "ACTIVE"},
        **extra,
    }


@pytest.mark.parametrize("revision", [10**30, 2**63, -1])
def test_a_signed_webhook_with_a_revision_out_of_range_is_a_clear_400(
    client, db, settings, revision
):
    settings.TANGO_WEBHOOK_SECRET = SECRET
    response = signed_post(client, json.dumps(envelope(revision=revision)).encode())
    assert response.status_code == 400
    assert "revision" in response.content.decode()
    assert not WebhookEvent.objects.exists()


def test_a_signed_webhook_with_the_largest_revision_is_stored(client, db, settings):
    settings.TANGO_WEBHOOK_SECRET = SECRET
    response = signed_post(client, json.dumps(envelope(revision=2**63 - 1)).encode())
    assert response.status_code == 200
    assert WebhookEvent.objects.get().revision == 2**63 - 1


@pytest.mark.parametrize("depth", [100_000, 200])
def test_a_signed_webhook_nested_too_deep_is_a_clear_400(client, db, settings, depth):
    settings.TANGO_WEBHOOK_SECRET = SECRET
    head = json.dumps(envelope())[:-1]  # without its closing brace
    body = (head + ', "deep": ' + "[" * depth + "]" * depth + "}").encode()
    response = signed_post(client, body)
    assert response.status_code == 400
    assert "nested" in response.content.decode()
    assert not WebhookEvent.objects.exists()


# --- item 11: the resend form ------------------------------------------------------------------


def resend(client, order: Order, data: dict):
    line_item = order.line_items.get()
    url = reverse("orders:resend-line-item", args=[line_item.pk])
    return client.post(url, data, headers=HTMX)


def test_a_resend_to_a_bogus_destination_shows_why_in_the_panel(client, manager, record_tasks):
    record_tasks(lambda name, kwargs: pytest.fail(f"nothing may be queued: {name}"))
    order = OrderFactory(placed=True)
    response = resend(client, order, {"destination": "carrier-pigeon", "reason_code": "OTHER"})
    assert response.status_code == 422
    panel = re.search(r'<form class="action-panel[^"]*resend-form".*?</form>', page_text(response))
    assert panel and "Select a valid choice" in panel.group(0)
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.RESEND_REQUESTED).exists()


def test_a_65_character_local_part_is_refused_and_not_sent(client, manager, record_tasks):
    record_tasks(lambda name, kwargs: pytest.fail(f"nothing may be queued: {name}"))
    order = OrderFactory(placed=True)
    data = {
        "destination": "email",
        "new_email": "a" * 65 + "@example.com",
        "same_recipient": "on",
        "reason_code": "DELIVERY_INFO",
        "reason": "typo",
    }
    response = resend(client, order, data)
    assert response.status_code == 422
    assert "at most 64 characters" in page_text(response)
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.RESEND_REQUESTED).exists()


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("a" * 64 + "@example.com", None),
        ("riley.chen@example.com", None),
        ("a" * 65 + "@example.com", "at most 64 characters"),
        ("riley.chen@" + ".".join(["d" * 60] * 4) + ".com", "at most 254 characters"),
        ("not-an-address", "valid email"),
        ("riley@@example.com", "valid email"),
        ("riley@example", "valid email"),
    ],
)
def test_tangos_email_rules(address, problem):
    from core import emails

    found = emails.email_problem(address)
    if problem is None:
        assert found is None
    else:
        assert found and problem in found
