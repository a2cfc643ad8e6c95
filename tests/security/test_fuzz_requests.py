"""Property-based fuzzing of every list, filter and form parameter (issue 8, acceptance).

Hypothesis generates the requests (about 2,100 in all, deterministic: `derandomize=True`, so CI
sees the same ones every run) over the orders list, its facets, the audit log, the order page
and its fragments, the approvals queue and every form POST, as a logged-in Admin. Each one
must answer below 500, and a refused one (4xx, or an error message) must write nothing: the
domain tables are counted before and after. Every request runs in a savepoint that is rolled
back, so each example starts from the same world.

Keyset cursors and the sort (issue 8 item 8, fixed in parallel) are generated like any other
value; `FUZZ_SKIP_KNOWN_500S=1` leaves just those keys out, to check the rest while that fix
is on its way. CI never sets it.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import ERROR, get_messages
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvals.actions.submit import submit_orders
from approvals.models import ApprovalPolicy, ApprovalRequest
from audit.models import AuditEntry
from core.actor import Actor
from orders.models import BulkJob, LineItem, Order, OrderEvent, SavedView
from tests.factories import OrderFactory, at_tango

pytestmark = pytest.mark.django_db

SKIP_KNOWN = os.environ.get("FUZZ_SKIP_KNOWN_500S") == "1"
# Keyset cursors against the sort (issue 8 item 8), fixed in parallel: left out only under
# FUZZ_SKIP_KNOWN_500S=1. (Far dates and `watch`, items 7 and 9, are fixed: always fuzzed.)
KNOWN_KEYS = {"after", "before", "sort"}
DATE_KEYS = {"created_from", "created_to", "ordered_from", "ordered_to", "at_from", "at_to"}


def fuzz(examples: int) -> Callable:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "00",
    "1.5",
    "1e309",
    "-0",
    "NaN",
    "inf",
    "99999999999999999999999",
    "9223372036854775808",
    "²",
    "١٢",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-13-01",
    "2026-01-01T00:00",
    "'",
    '"',
    "%",
    "\\",
    "\x00",
    "\ud7ff",
    "🎁",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "a" * 3000,
    "[]",
    "{}",
    "null",
    "WyJnYXJiYWdlIiwgIjEiXQ",
    _cursor(["NaN", "1"]),
    _cursor([None, None]),
    _cursor({"a": 1}),
    _cursor(["9999-12-31T00:00:00+00:00", "1"]),
    "riley.chen2@example.com",
    "+15555550123",
]
nasty = st.sampled_from(NASTY)
text = st.one_of(nasty, st.text(max_size=40))
digits = st.integers(min_value=-(2**70), max_value=2**70).map(str)
date = st.one_of(st.dates().map(str), nasty)
value = st.one_of(text, digits, date)


EXTREME_DATES = ["9999-12-31", "9999-01-01", "0001-01-01", "0001-01-02", "2026-02-30"]
dates = st.one_of(st.sampled_from(EXTREME_DATES), st.dates().map(str), nasty)
# Keys whose values need their own edge cases to be found in a couple of thousand requests.
BY_KEY: dict[str, st.SearchStrategy[str]] = {
    **{key: dates for key in DATE_KEYS},
    "watch": st.one_of(st.sampled_from(["²", "\u0661", "0", "-1", "99999999999999999999"]), value),
}


def params(valid: dict[str, list[str]]) -> st.SearchStrategy[dict[str, list[str]]]:
    """A query or form: some of `valid`'s keys (plus a stray one), each with 1-2 values that
    are either one of its valid values or anything at all."""
    keys = [*valid, "zzz"]

    def values(key: str) -> st.SearchStrategy[list[str]]:
        good = valid.get(key) or ["x"]
        one = st.one_of(st.sampled_from(good), BY_KEY.get(key, value))
        return st.lists(one, min_size=1, max_size=2)

    return st.lists(st.sampled_from(keys), unique=True, max_size=6).flatmap(
        lambda chosen: st.fixed_dictionaries({key: values(key) for key in chosen})
    )


def _known_elsewhere(data: dict[str, list[str]]) -> dict[str, list[str]]:
    """`data` without what the parallel fix owns, under FUZZ_SKIP_KNOWN_500S=1 only."""
    if not SKIP_KNOWN:
        return data
    return {key: values for key, values in data.items() if key not in KNOWN_KEYS}


WATCHED = (Order, LineItem, OrderEvent, AuditEntry, SavedView, BulkJob, ApprovalRequest)


def _snapshot() -> tuple:
    """Row counts of the domain tables (one query: it runs twice per request) and the fields a
    refused form must not touch."""
    tables = [model._meta.db_table for model in WATCHED]  # our own table names, not input
    counts = ", ".join(f"(SELECT count(*) FROM {table})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        row = cursor.fetchone()
    orders = Order.objects.order_by("pk").values_list("pk", "state", "hold_note", "amount")
    lines = LineItem.objects.order_by("pk").values_list(
        "pk", "recipient_email", "recipient_mobile", "resend_requested_at"
    )
    return row, tuple(orders), tuple(lines)


@pytest.fixture
def world(db, make_user, fake_tango):
    """One object of each kind the URLs point at: a placed order (known to FakeTango), an
    order waiting for approval, a bulk job and a saved view."""
    owner = make_user("Admin", username="owner")
    order = at_tango(OrderFactory(placed=True))
    waiting = OrderFactory(state="draft", amount="900.00")
    ApprovalPolicy.objects.create(version=1, per_order_limits={"USD": "500.00"})
    submit_orders([waiting], actor=Actor.system())
    return {
        "order": order,
        "waiting": waiting,
        "line_item": order.line_items.get(),
        "job": BulkJob.objects.create(action="release", order_ids=[order.pk], created_by=owner),
        "view": SavedView.objects.create(name="All", query_string="", owner=owner),
    }


@pytest.fixture
def send(client, world, make_user):
    """send(method, url, data, htmx=False): the response, after the no-500, nothing-written
    checks; the database is as it was before."""
    client.force_login(make_user("Admin"))
    sent = {"n": 0}

    def _send(
        method: str,
        url: str,
        data: dict[str, list[str]],
        *,
        htmx: bool = False,
        in_flight: bool = False,
    ):
        data = _known_elsewhere(data)
        headers = {"HX-Request": "true"} if htmx else {}
        client.cookies.pop("messages", None)  # only this request's messages count below
        with transaction.atomic():
            if in_flight:  # a resend on its way: the page polls with ?watch=
                LineItem.objects.update(resend_requested_at=timezone.now())
            before = _snapshot()
            response = getattr(client, method)(url, data, headers=headers)
            after = _snapshot()
            transaction.set_rollback(True)
        sent["n"] += 1
        shown = f"{method.upper()} {url} {data!r} htmx={htmx}"
        assert response.status_code < 500, shown
        refused = response.status_code >= 400 or any(
            m.level == ERROR for m in get_messages(response.wsgi_request)
        )
        if method == "get" or refused:
            assert after == before, f"{shown} wrote: {before} -> {after}"
        return response

    _send.world = world
    _send.count = sent
    return _send


ORDER_FILTER = {
    "q": ["RA260101", "riley", "ro-"],
    "status": ["COMPLETE", "FAILED", "PARTIAL"],
    "li_status": ["FAILED", "COMPLETE"],
    "state": ["placed", "held", "queued"],
    "email_status": ["BOUNCE", "DELIVERED"],
    "delivery": ["EMAIL", "PHONE"],
    "customer": ["1"],
    "account": ["1"],
    "brand": ["1"],
    "utid": ["U100001"],
    "created_from": ["2026-01-01"],
    "created_to": ["2026-12-31"],
    "created_within": ["7", "30"],
    "ordered_from": ["2026-01-01"],
    "ordered_to": ["2026-12-31"],
    "tz": ["UTC", "America/New_York"],
    "campaign": ["Q3"],
    "po": ["PO-1"],
    "creator": ["owner"],
    "currency": ["USD"],
    "reward_currency": ["EUR"],
    "amount_min": ["10"],
    "amount_max": ["100"],
    "sort": ["amount", "-created", "status"],
    "per": ["25", "50", "100"],
    "after": [_cursor(["2026-01-01T00:00:00+00:00", "1"])],
    "before": [_cursor(["2026-01-01T00:00:00+00:00", "1"])],
    "start": ["1", "26"],
}
AUDIT_FILTER = {
    "actor": ["owner"],
    "action": ["order"],
    "object_id": ["1"],
    "object_repr": ["Order"],
    "at_from": ["2026-01-01"],
    "at_to": ["2026-12-31"],
    "after": [_cursor(["2026-01-01T00:00:00+00:00", "1"])],
    "before": [_cursor(["2026-01-01T00:00:00+00:00", "1"])],
    "start": ["1"],
}


@fuzz(450)
@given(data=params(ORDER_FILTER), htmx=st.booleans())
def test_the_orders_list(send, data, htmx):
    send("get", reverse("orders:list"), data, htmx=htmx)


@fuzz(250)
@given(data=params(ORDER_FILTER), htmx=st.booleans())
def test_the_facets(send, data, htmx):
    send("get", reverse("orders:facets"), data, htmx=htmx)


@fuzz(250)
@given(data=params(AUDIT_FILTER), htmx=st.booleans())
def test_the_audit_log(send, data, htmx):
    send("get", reverse("audit:log"), data, htmx=htmx)


DETAIL_PAGES = ["detail", "bulk-job", "approvals:order-edit", "approvals:queue", "approvals:funds"]


@fuzz(250)
@given(
    page=st.sampled_from(DETAIL_PAGES),
    data=params({"watch": ["0", "1", "999999"], "ids": ["1"], **ORDER_FILTER}),
    htmx=st.booleans(),
    in_flight=st.booleans(),
)
def test_the_order_page_its_fragments_and_the_queue(send, page, data, htmx, in_flight):
    objects = send.world
    url = {
        "detail": lambda: reverse("orders:detail", args=[objects["order"].pk]),
        "bulk-job": lambda: reverse("orders:bulk-job", args=[objects["job"].pk]),
        "approvals:order-edit": lambda: reverse(page, args=[objects["waiting"].pk]),
    }.get(page, lambda: reverse(page))()
    send("get", url, data, htmx=htmx, in_flight=in_flight)


RESEND = {
    "destination": ["same", "email", "mobile", "bogus"],
    "new_email": ["riley.chen2@example.com", "a" * 65 + "@example.com"],
    "new_mobile": ["+15555550123"],
    "same_recipient": ["on"],
    "reason_code": ["NOT_RECEIVED", "OTHER"],
    "reason": ["ticket 4711"],
}
LINE_ACTION = {"reason_code": ["FRAUD", "OTHER", "VERIFY_ORDER"], "other_reason": ["why"]}
# name -> (URL of the world's object, the form's fields with valid values)
FORMS: dict[str, tuple[Callable[[dict], str], dict[str, list[str]]]] = {
    "add-note": (lambda w: reverse("orders:add-note", args=[w["order"].pk]), {"text": ["hi"]}),
    "unmask": (lambda w: reverse("orders:unmask", args=[w["order"].pk]), {}),
    "resend-order": (lambda w: reverse("orders:resend-order", args=[w["order"].pk]), RESEND),
    "resend-line-item": (
        lambda w: reverse("orders:resend-line-item", args=[w["line_item"].pk]),
        RESEND,
    ),
    "hold": (lambda w: reverse("orders:hold", args=[w["waiting"].pk]), {"note": ["x"]}),
    "release": (lambda w: reverse("orders:release", args=[w["waiting"].pk]), {"note": ["x"]}),
    "refresh": (lambda w: reverse("orders:refresh", args=[w["order"].pk]), {}),
    "reveal": (lambda w: reverse("orders:reveal", args=[w["line_item"].pk]), {"reason": ["t1"]}),
    **{
        f"{action}-line-item": (
            lambda w, action=action: reverse(
                f"orders:{action}-line-item", args=[w["line_item"].pk]
            ),
            LINE_ACTION,
        )
        for action in ("cancel", "freeze", "unfreeze")
    },
    "saved-view-create": (
        lambda w: reverse("orders:saved-view-create"),
        {"name": ["Mine"], "query_string": ["status=FAILED", "after=%FF&sort=%00"]},
    ),
    "saved-view-delete": (
        lambda w: reverse("orders:saved-view-delete", args=[w["view"].pk]),
        {},
    ),
    "bulk-start": (
        lambda w: reverse("orders:bulk-start"),
        {
            "action": ["release", "resend"],
            "ids": ["1", "2"],
            "all_matching": ["on"],
            "query_string": ["status=FAILED", "created_to=2026-12-31", "created_to=9999-12-31"],
            "reason": ["x"],
        },
    ),
    "approvals:decide": (
        lambda w: reverse("approvals:decide"),
        {"decision": ["approve", "reject"], "ids": ["1"], "reason": ["no"], "confirm": ["1"]},
    ),
    "approvals:order-decide": (
        lambda w: reverse("approvals:order-decide", args=[w["waiting"].pk]),
        {"decision": ["approve", "reject"], "reason": ["no"]},
    ),
    "approvals:order-edit": (
        lambda w: reverse("approvals:order-edit", args=[w["waiting"].pk]),
        {
            "amount": ["25.00", "900.00"],
            "recipient_first_name": ["Jane"],
            "recipient_last_name": ["Doe"],
            "recipient_email": ["jane@example.com"],
        },
    ),
    "approvals:policy": (
        lambda w: reverse("approvals:policy"),
        {
            "per_order_limits": ["USD 500", "USD: 500"],
            "dual_approval_limits": ["USD 5000"],
            "daily_creator_limits": [""],
            "batch_limits": [""],
            "accounts": [""],
            "utids": [""],
            "note": ["why"],
        },
    ),
}


@fuzz(900)
@given(form=st.sampled_from(sorted(FORMS)), data=st.data(), htmx=st.booleans())
def test_every_form(send, form, data, htmx):
    url, fields = FORMS[form]
    body = data.draw(params(fields), label="body")
    send("post", url(send.world), body, htmx=htmx)
