"""Keyset cursors: a cursor that does not fit the sort is the first page, never a 500 (issue 8,
item 8), and the seek is one row-value comparison an index can seek with (issue 11)."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.paging import encode_cursor
from tests.factories import LineItemFactory, OrderFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def support(client, make_user):
    user = make_user("Support")
    client.force_login(user)
    return user


def rows(response) -> list[str]:
    return re.findall(r'class="row-link" href="/orders/(\d+)/"', response.content.decode())


def cursor(*values) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


BAD_CURSORS = [
    "WyJnYXJiYWdlIiwgIjEiXQ",  # ["garbage", "1"], from the issue
    cursor("NaN", "1"),
    cursor("Infinity", "1"),
    cursor("-Infinity", "1"),
    cursor("1e999999", "1"),
    cursor("12345678901234567890123", "1"),
    cursor("2026-13-45T00:00:00+00:00", "1"),
    cursor("2026-01-01T00:00:00+00:00", "99999999999999999999999"),
    cursor("2026-01-01T00:00:00+00:00", "-1.5"),
    cursor("2026-01-01T00:00:00+00:00", "NaN"),
    cursor("9999-12-31T23:59:59-14:00", "1"),
    cursor("\x00", "1"),
    cursor(None, None),
    cursor([1], {"a": 1}),
    cursor("1", "2", "3"),
    "!!!",
    "",
]


TEXT_SORTS = {"-status", "state", "-account"}


@pytest.mark.parametrize("sort", ["", "created", "amount", "-status", "state", "-account"])
def test_a_cursor_that_does_not_fit_the_sort_is_the_first_page(client, support, sort):
    client.raise_request_exception = False  # a 500 is a status here, not an exception
    order = OrderFactory(amount=Decimal("25"))
    failures = []
    for token in BAD_CURSORS:
        for direction in ("after", "before"):
            response = client.get("/", {"sort": sort, direction: token}, headers=HTMX)
            # A text sort takes any string as a (valid) position: that page may be empty.
            first_page = rows(response) == [str(order.pk)]
            if response.status_code != 200 or not (first_page or sort in TEXT_SORTS):
                failures.append((direction, token, response.status_code))
    assert failures == []


def test_a_valid_cursor_still_walks_on(client, support):
    older, newer = OrderFactory(amount=Decimal("5")), OrderFactory(amount=Decimal("9"))
    response = client.get("/", {"sort": "-amount", "after": encode_cursor(["9.00", newer.pk])})
    assert rows(response) == [str(older.pk)]


def _page_two_sql(client, params: dict) -> str:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/", params, headers=HTMX)
    assert response.status_code == 200
    [sql] = [
        q["sql"]
        for q in ctx.captured_queries
        if " LIMIT " in q["sql"]
        and "ORDER BY" in q["sql"]
        and '"orders_order"."external_ref_id"' in q["sql"]
    ]
    return sql


@pytest.mark.parametrize(
    ("sort", "column", "op"),
    [
        ("-created", '"orders_order"."ordered_at"', "<"),
        ("created", '"orders_order"."ordered_at"', ">"),
        ("amount", '"orders_order"."amount"', ">"),
        ("-status", '"orders_order"."tango_status"', "<"),
    ],
)
def test_the_seek_is_one_row_value_comparison(client, support, sort, column, op):
    order = OrderFactory()
    order.refresh_from_db()
    value = {
        "-created": order.ordered_at,
        "created": order.ordered_at,
        "amount": order.amount,
        "-status": order.tango_status,
    }[sort]
    value = value.isoformat() if hasattr(value, "isoformat") else value
    sql = _page_two_sql(client, {"sort": sort, "after": encode_cursor([value, order.pk])})
    assert re.search(rf'\({re.escape(column)}, "orders_order"."id"\) {op} \(', sql), sql
    assert " OR " not in sql.split(" WHERE ", 1)[1].split(" ORDER BY ")[0], sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_the_deep_page_is_an_index_seek(client, support):
    """With sequential scans and sorts priced out (a small test table would otherwise be read
    whole), the planner answers the next page by descending the (ordered_at, id) index to the
    cursor: an Index Cond on the row value, not a filter discarding the rows before it."""
    orders = [OrderFactory() for _ in range(3)]
    newest = max(orders, key=lambda o: o.pk)
    newest.refresh_from_db()
    with connection.cursor() as cursor:  # the test's transaction: SET LOCAL lasts for the test
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        sql = _page_two_sql(client, {"after": encode_cursor([newest.ordered_at, newest.pk])})
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_ordered_id" in plan, plan
    assert re.search(r"Index Cond: \(ROW\(ordered_at, id\) < ROW\(", plan), plan
    assert "Filter" not in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_partial_orders_with_failed_lines_are_index_seeks(client, support):
    """PARTIAL x FAILED: the orders come from the (tango_status, ordered_at, id) index in page
    order and each one's FAILED line is probed in the (status, order) index, no scan of either
    table (sequential scans and sorts priced out, as above)."""
    for status in ["PARTIAL", "PARTIAL", "COMPLETE"]:
        order = OrderFactory(placed=True, tango_status=status)
        LineItemFactory(order=order, line_number=2, status="FAILED")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        sql = _page_two_sql(client, {"status": "PARTIAL", "li_status": "FAILED"})
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_status_ordered" in plan, plan
    assert re.search(r"Index Cond: \(.*tango_status.*PARTIAL", plan), plan
    assert "line_item_status_order" in plan, plan
    assert "Seq Scan" not in plan and "Sort" not in plan.replace("Sort Key", ""), plan
