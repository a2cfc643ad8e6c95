"""The orders list's rows cost no template work per row, and fetch only what they show
(issue 11: the fragment was mostly template rendering), with the same escaping and masking."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.template.base import FilterExpression
from django.test.utils import CaptureQueriesContext

from tests.factories import LineItemFactory, OrderFactory

HTMX = {"HX-Request": "true"}
LIST = "/"


@pytest.fixture(autouse=True)
def _fresh_facet_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def support(client, make_user):
    user = make_user("Support")
    client.force_login(user)
    return user


def _orders(n: int) -> None:
    for i in range(n):
        order = OrderFactory(placed=True, tango_status="COMPLETE")
        LineItemFactory(order=order, line_number=2, status="FAILED" if i % 2 else "COMPLETE")


def _template_lookups(client, monkeypatch) -> int:
    """How many template expressions ({{ x|f }}, tag arguments) the fragment resolves."""
    calls = 0
    resolve = FilterExpression.resolve

    def counting(self, context, ignore_failures=False):
        nonlocal calls
        calls += 1
        return resolve(self, context, ignore_failures)

    monkeypatch.setattr(FilterExpression, "resolve", counting)
    response = client.get(LIST, {"per": 50}, headers=HTMX)
    monkeypatch.setattr(FilterExpression, "resolve", resolve)
    assert response.status_code == 200
    return calls


def test_the_fragment_resolves_as_many_template_expressions_for_40_rows_as_for_4(
    client, support, monkeypatch
):
    _orders(4)
    few = _template_lookups(client, monkeypatch)
    _orders(36)
    many = _template_lookups(client, monkeypatch)
    assert len(re.findall(r"<tr data-row>", client.get(LIST, headers=HTMX).content.decode())) == 40
    assert many == few


def test_the_rows_fetch_only_the_line_item_columns_they_show(client, support):
    _orders(3)
    with CaptureQueriesContext(connection) as ctx:
        client.get(LIST, headers=HTMX)
    line_items = [
        q["sql"] for q in ctx.captured_queries if '"orders_lineitem"."line_number"' in q["sql"]
    ]
    prefetch = [sql for sql in line_items if "ROW_NUMBER" in sql.upper()]
    assert prefetch, line_items
    assert "date_issued" not in prefetch[0] and "address_street1" not in prefetch[0]


def test_a_row_escapes_what_tango_sent_and_masks_the_recipient(client, support):
    order = OrderFactory(
        placed=True,
        tango_status="COMPLETE",
        line_item__reward_name="<b>Gift</b>",
        line_item__recipient_first_name="Jane",
        line_item__recipient_last_name="Doe",
        line_item__recipient_email="jane.doe@example.com",
        line_item__email_status="BOUNCE",
    )
    html = client.get(LIST, headers=HTMX).content.decode()
    row = re.search(r"<tr data-row>(.*?)</tr>", html, re.S).group(1)
    assert f'href="/orders/{order.pk}/"' in row
    assert "&lt;b&gt;Gift&lt;/b&gt;" in row and "<b>Gift" not in row
    assert "Jane D." in row and "j***@example.com" in row
    assert "Doe" not in row and "jane.doe@example.com" not in html
    assert 'title="Email status of line 1">✉ ' in row
    assert 'name="ids"' not in row  # Support may not start bulk jobs: no row checkbox
