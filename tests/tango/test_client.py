"""TangoClient on the wire (`responses`): auth, timeouts, encoding, paging, logging, get_client."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests
from responses import matchers

from tango import (
    TangoClient,
    TangoThrottled,
    TangoUnavailable,
)
from tango import client as client_module
from tango.testing import FakeTango
from tango.testing import payloads as p
from tango.testing.payloads import BASE, PLATFORM_KEY, PLATFORM_NAME, create_kwargs

# --- requests on the wire -------------------------------------------------------------------


def test_create_order_sends_tango_json_with_auth_and_timeouts(tango, mocked):
    mocked.post(f"{BASE}/orders", json=p.ORDER_SUMMARY, status=201)

    tango.create_order(**create_kwargs(custom_fields={"cost_center": "42"}))

    request = mocked.calls[0].request
    expected = base64.b64encode(f"{PLATFORM_NAME}:{PLATFORM_KEY}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.req_kwargs["timeout"] == (1.5, 7.0)
    body = json.loads(request.body)
    assert body == {
        "customerIdentifier": "acme-main",
        "accountIdentifier": "acme-usd-01",
        "utid": "U561593",
        "amount": 25.1,
        "deliveryMethod": "EMAIL",
        "externalRefID": "ro-2026-000123",
        "recipient": {"firstName": "Jane", "lastName": "Doe", "email": p.RECIPIENT_EMAIL},
        "sender": {"firstName": "Acme", "email": "rewards@example.com"},
        "emailSubject": "Thanks!",
        "campaign": "Q3-recognition",
        "customFields": {"cost_center": "42"},  # the account's own keys, untouched
    }


def test_every_call_carries_auth_and_timeout(tango, mocked):
    mocked.get(f"{BASE}/accounts", json=[p.ACCOUNT])
    mocked.get(f"{BASE}/orders/RA1", json=p.ORDER_SUMMARY)
    mocked.post(f"{BASE}/lineItems/RA1-1/freeze", json="Accepted", status=202)

    tango.list_accounts()
    tango.get_order("RA1")
    tango.freeze_line_item("RA1-1", reason_code="FRAUD")

    assert len(mocked.calls) == 3
    for call in mocked.calls:
        assert call.request.headers["Authorization"].startswith("Basic ")
        assert call.request.req_kwargs["timeout"] == (1.5, 7.0)


def test_session_is_built_lazily_and_reused(tango, mocked):
    assert tango._session is None
    mocked.get(f"{BASE}/accounts", json=[])
    tango.list_accounts()
    first = tango._session
    mocked.get(f"{BASE}/customers", json=[])
    tango.list_customers()
    assert isinstance(first, requests.Session)
    assert tango._session is first


def test_injected_session_is_used(mocked):
    session = requests.Session()
    tango = TangoClient(base_url=BASE, platform_name="n", platform_key="k", session=session)
    mocked.get(f"{BASE}/accounts", json=[])
    tango.list_accounts()
    assert tango.session is session


def test_path_segments_are_quoted(tango, mocked):
    mocked.get(f"{BASE}/orders/RA1%2F..%2Faccounts", json=p.ORDER_SUMMARY)
    tango.get_order("RA1/../accounts")


def test_list_orders_parses_page_and_sends_filters(tango, mocked):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = datetime(2026, 1, 31, 19, 0, tzinfo=timezone(timedelta(hours=-5)))
    mocked.get(
        f"{BASE}/orders",
        json=p.order_list([p.order_list_item(1), p.order_list_item(2)], number=0, size=2, total=7),
        match=[
            matchers.query_param_matcher(
                {
                    "page": "0",
                    "elementsPerBlock": "2",
                    "accountIdentifier": "acme-usd-01",
                    "externalRefID": "ro-1",
                    "startDate": "2026-01-01T00:00:00Z",
                    "endDate": "2026-02-01T00:00:00Z",  # converted to UTC
                    "orderStatus": "PENDING",
                }
            )
        ],
    )

    page = tango.list_orders(
        page=0,
        elements_per_block=2,
        account_identifier="acme-usd-01",
        external_ref_id="ro-1",
        start_date=start,
        end_date=end,
        order_status="PENDING",
        customer_identifier=None,  # None filters are not sent
    )

    assert (page.number, page.elements_per_block, page.result_count, page.total_count) == (
        0,
        2,
        2,
        7,
    )
    first = page.orders[0]
    assert first.reference_order_id == "RA260506-1401-64"
    assert first.reward is None  # no credentials in lists
    assert first.reference_line_item_id is None
    assert first.status == "PENDING"
    assert first.amount_charged is not None and first.amount_charged.total == Decimal("10")
    assert first.created_at == datetime(2026, 5, 6, 20, 8, 59, tzinfo=UTC)


def test_iter_orders_pages_until_short_page(tango, mocked):
    for number, refs in enumerate([(1, 2), (3, 4), (5,)]):
        mocked.get(
            f"{BASE}/orders",
            json=p.order_list(
                [p.order_list_item(n) for n in refs], number=number, size=2, total=99
            ),
            match=[matchers.query_param_matcher({"page": str(number), "elementsPerBlock": "2"})],
        )
    orders = list(tango.iter_orders(elements_per_block=2))
    assert [o.external_ref_id for o in orders] == ["ro-1", "ro-2", "ro-3", "ro-4", "ro-5"]


def test_iter_orders_stops_at_total_count(tango, mocked):
    for number, refs in enumerate([(1, 2), (3, 4)]):
        mocked.get(
            f"{BASE}/orders",
            json=p.order_list([p.order_list_item(n) for n in refs], number=number, size=2, total=4),
            match=[matchers.query_param_matcher({"page": str(number), "elementsPerBlock": "2"})],
        )
    # A third request would fail: assert_all_requests_are_fired + no registered page 2.
    assert len(list(tango.iter_orders(elements_per_block=2))) == 4
    assert len(mocked.calls) == 2


def test_find_order_by_external_ref_returns_the_list_item(tango, mocked):
    other = p.order_list_item(9, externalRefID="ro-1-but-longer")
    mine = p.order_list_item(1)
    mocked.get(
        f"{BASE}/orders",
        json=p.order_list([other, mine], number=0, size=100, total=2),
        match=[
            matchers.query_param_matcher(
                {"externalRefID": "ro-1", "accountIdentifier": "acme-usd-01"}, strict_match=False
            )
        ],
    )
    found = tango.find_order_by_external_ref(
        external_ref_id="ro-1", account_identifier="acme-usd-01"
    )
    assert found is not None
    assert found.external_ref_id == "ro-1"
    assert len(mocked.calls) == 1  # no verbose GET /orders/{id}


def test_find_order_by_external_ref_none(tango, mocked):
    mocked.get(f"{BASE}/orders", json=p.order_list([], number=0, size=100, total=0))
    assert (
        tango.find_order_by_external_ref(external_ref_id="ro-x", account_identifier="acme-usd-01")
        is None
    )


def test_line_item_list_keyset_and_iteration(tango, mocked):
    item2 = {**p.LINE_ITEM, "referenceLineItemID": "RA2-1"}
    item3 = {**p.LINE_ITEM, "referenceLineItemID": "RA3-1"}
    mocked.get(
        f"{BASE}/lineItems",
        json=p.line_item_list([p.LINE_ITEM, item2], next_keys=["k1", "2026-05-06"], total=3),
        match=[
            matchers.query_param_matcher(
                {"elementsPerBlock": "2", "referenceOrderID": "RA260506-1401-64"}
            )
        ],
    )
    mocked.get(
        f"{BASE}/lineItems",
        json=p.line_item_list([item3], next_keys=[], total=3),
        match=[
            matchers.query_param_matcher(
                {
                    "elementsPerBlock": "2",
                    "referenceOrderID": "RA260506-1401-64",
                    "pageKeys": ["k1", "2026-05-06"],  # repeated parameter, in order
                }
            )
        ],
    )

    items = list(tango.iter_line_items(elements_per_block=2, reference_order_id="RA260506-1401-64"))

    assert [i.reference_line_item_id for i in items] == ["RA260506-1401-64-1", "RA2-1", "RA3-1"]
    assert "pageKeys=k1&pageKeys=2026-05-06" in mocked.calls[1].request.url


def test_line_item_page_fields(tango, mocked):
    mocked.get(
        f"{BASE}/lineItems",
        json=p.line_item_list([p.LINE_ITEM], next_keys=["a", "b"], total=10),
    )
    page = tango.list_line_items(elements_per_block=1)
    assert page.next_page_keys == ("a", "b")
    assert page.previous_page_keys == ()
    assert (page.result_count, page.total_count) == (1, 10)
    item = page.line_items[0]
    assert item.reference_order_id == "RA260506-1401-64"
    assert item.external_ref_line_item_id is None
    assert (item.line_number, item.status, item.order_status) == (1, "COMPLETE", "COMPLETE")
    assert (item.email_status, item.delivery_status, item.reward_status) == (
        "DELIVERED",
        "DELIVERED",
        "ACTIVE",
    )
    assert (item.can_cancel, item.can_freeze) == (True, True)
    assert item.amount_issued is not None and item.amount_issued.value == Decimal("25.10")
    assert item.date_issued == datetime(2026, 5, 6, 20, 8, 59, 624578, tzinfo=UTC)
    assert [(e.code, e.message) for e in item.errors] == [("E42", "bounced once")]
    assert item.account_identifier == "acme-usd-01"
    assert item.reward is None


def test_iter_line_items_stops_on_repeated_keys(tango, mocked):
    full = p.line_item_list([p.LINE_ITEM], next_keys=["same"], total=0)
    mocked.get(f"{BASE}/lineItems", json=full)
    items = list(tango.iter_line_items(elements_per_block=1))
    assert len(items) == 2  # first page, then the page for "same" which points at itself
    assert len(mocked.calls) == 2


def test_filter_values_are_encoded_for_tango(tango, mocked):
    mocked.get(
        f"{BASE}/lineItems",
        json=p.line_item_list([], next_keys=[], total=0),
        match=[
            matchers.query_param_matcher(
                {
                    "elementsPerBlock": "100",
                    "startDate": "2026-01-01T00:00:00.250Z",  # naive = UTC, milliseconds kept
                    "endDate": "2026-01-02",  # a plain date stays a date
                    "hasRemainingBalance": "true",
                    "minRemainingBalance": "1.50",
                    "columnSortAscending": "false",
                }
            )
        ],
    )
    tango.list_line_items(
        start_date=datetime(2026, 1, 1, 0, 0, 0, 250000),
        end_date=datetime(2026, 1, 2).date(),
        has_remaining_balance=True,
        min_remaining_balance=Decimal("1.50"),
        column_sort_ascending=False,
    )


# --- logging --------------------------------------------------------------------------------


def test_one_log_line_per_call_without_secrets(tango, mocked, caplog):
    caplog.set_level(logging.DEBUG)
    mocked.post(
        f"{BASE}/orders", json=p.ORDER_SUMMARY, status=201, headers={"X-REQUEST-ID": "req-123"}
    )
    mocked.get(f"{BASE}/orders/RA260506-1401-64", json=p.ORDER_SUMMARY)
    mocked.get(f"{BASE}/orders", json=p.order_list([], number=0, size=100, total=0))
    mocked.post(
        f"{BASE}/orders/RA260506-1401-64/resends",
        json=p.envelope(403, "403.005", "Cannot send more than once every 30 seconds."),
        status=403,
    )
    mocked.get(f"{BASE}/accounts", body=requests.ConnectionError("down"))

    tango.create_order(**create_kwargs())
    tango.get_order("RA260506-1401-64")
    tango.list_orders(recipient_email=p.RECIPIENT_EMAIL)
    with pytest.raises(TangoThrottled):
        tango.resend_order("RA260506-1401-64", new_email=p.RECIPIENT_EMAIL)
    with pytest.raises(TangoUnavailable):
        tango.list_accounts()

    lines = [r for r in caplog.records if r.name.startswith("tango")]
    assert len(lines) == 5
    first = lines[0].getMessage()
    assert "POST /orders -> 201" in first
    assert "req-123" in first
    assert " ms " in first
    assert "GET /orders/RA260506-1401-64 -> 200" in lines[1].getMessage()
    assert "GET /orders -> 200" in lines[2].getMessage()  # no query string
    throttled = lines[3].getMessage()
    assert "-> 403" in throttled and "82b542f0-ed18-4021-8f8f-d176ae0982cd" in throttled
    assert lines[3].levelno == logging.WARNING
    assert "connection-error" in lines[4].getMessage()
    everything = caplog.text + "".join(r.getMessage() for r in caplog.records)
    for secret in (PLATFORM_KEY, p.REDEMPTION_URL, "SECRET-CODE", p.RECIPIENT_EMAIL, "jane.doe"):
        assert secret not in everything
    assert base64.b64encode(f"{PLATFORM_NAME}:{PLATFORM_KEY}".encode()).decode() not in everything


def test_client_repr_hides_key(tango):
    assert PLATFORM_KEY not in repr(tango)


# --- the per-process tango -----------------------------------------------------------------


@pytest.fixture
def fresh_singleton():
    client_module.reset_client()
    yield
    client_module.reset_client()


def test_get_client_is_built_once_from_settings(settings, fresh_singleton):
    settings.TANGO_BASE_URL = "https://example.test/raas/v2"
    settings.TANGO_PLATFORM_NAME = "from-settings"
    settings.TANGO_PLATFORM_KEY = "key-from-settings"
    settings.TANGO_CONNECT_TIMEOUT = 2.0
    settings.TANGO_READ_TIMEOUT = 9.0

    first = client_module.get_client()

    assert first is client_module.get_client()
    assert first.base_url == "https://example.test/raas/v2"
    assert first.platform_name == "from-settings"
    assert first.timeout == (2.0, 9.0)
    assert first._session is None  # nothing opened until the first call

    settings.TANGO_BASE_URL = "https://other.test/raas/v2"
    client_module.reset_client()
    assert client_module.get_client().base_url == "https://other.test/raas/v2"


def test_get_client_rebuilt_after_fork(fresh_singleton, monkeypatch):
    first = client_module.get_client()
    monkeypatch.setattr(client_module.os, "getpid", lambda: -1)
    assert client_module.get_client() is not first


def test_an_installed_client_is_what_everyone_gets_until_reset(fresh_singleton):
    built = client_module.get_client()
    fake = FakeTango()

    client_module.install_client(fake)
    assert client_module.get_client() is fake  # in every module, through the one seam

    client_module.reset_client()
    assert client_module.get_client() is not fake
    assert client_module.get_client() is not built  # rebuilt from settings
