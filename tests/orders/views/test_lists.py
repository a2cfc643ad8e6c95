"""The orders list: full page vs HTMX fragment, facets, keyset pages, sorting, query counts."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import SavedView
from tests.factories import LineItemFactory, OrderFactory

# Also run on the embedded SQLite default in CI's smoke lane.
pytestmark = pytest.mark.smoke

HTMX = {"HX-Request": "true"}
LIST = "/"


@pytest.fixture(autouse=True)
def _fresh_facet_cache():
    cache.clear()  # facet counts are cached per filter for a few seconds
    yield
    cache.clear()


@pytest.fixture
def support(client, make_user):
    user = make_user("Support")
    client.force_login(user)
    return user


def rows(response) -> list[str]:
    return re.findall(r'class="row-link" href="/orders/(\d+)/"', response.content.decode())


def test_plain_request_gets_the_page_htmx_gets_the_table_fragment(client, support):
    OrderFactory(placed=True)
    page = client.get(LIST)
    fragment = client.get(LIST, headers=HTMX)
    assert b"<html" in page.content and b'id="order-filters"' in page.content
    assert b'id="order-table"' in fragment.content
    assert b"<html" not in fragment.content and b'id="order-filters"' not in fragment.content
    assert "HX-Request" in fragment["Vary"]


def test_a_history_restore_gets_the_whole_page(client, support):
    response = client.get(LIST, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert b"<html" in response.content


def test_filters_combine_order_and_line_item_status(client, support):
    wanted = OrderFactory(placed=True, tango_status="PARTIAL")
    LineItemFactory(order=wanted, line_number=2, status="FAILED")
    all_complete = OrderFactory(placed=True, tango_status="PARTIAL")
    failed_order = OrderFactory(placed=True, tango_status="FAILED")
    failed_order.line_items.update(status="FAILED")

    response = client.get(LIST, {"status": "PARTIAL", "li_status": "FAILED"}, headers=HTMX)

    assert rows(response) == [str(wanted.pk)]
    assert str(all_complete.pk) not in rows(response)


def test_facet_counts_ignore_their_own_dimension(client, support):
    for status in ["COMPLETE", "COMPLETE", "FAILED"]:
        OrderFactory(placed=True, tango_status=status, line_item__status=status)
    response = client.get(LIST, {"status": "FAILED"})
    html = response.content.decode()
    # The order-status facet still shows how many COMPLETE orders there are (2) while the
    # table shows only the FAILED one.
    assert re.search(r'id="f-status-COMPLETE-n">2<', html)
    assert re.search(r'id="f-status-FAILED-n">1<', html)
    # The line-item facet is narrowed by the order-status filter: only the FAILED order counts.
    assert re.search(r'id="f-li_status-COMPLETE-n">0<', html)
    assert re.search(r'id="f-li_status-FAILED-n">1<', html)
    assert len(rows(response)) == 1


def test_htmx_table_loads_facet_counts_lazily_as_out_of_band_swaps(client, support):
    OrderFactory(placed=True, tango_status="FAILED")
    fragment = client.get(LIST, {"q": "x"}, headers=HTMX).content.decode()
    loader = re.search(r'hx-get="(/orders/facets/\?[^"]*)"', fragment).group(1)
    assert "q=x" in loader
    counts = client.get(unescape(loader), headers=HTMX).content.decode()
    assert 'id="f-status-FAILED-n" hx-swap-oob="true"' in counts


def test_pagination_cursors_walk_forward_and_back_without_gaps(client, support):
    from orders.views import lists

    orders = [OrderFactory() for _ in range(5)]
    original = lists.PAGE_SIZES, lists.DEFAULT_PAGE_SIZE
    lists.PAGE_SIZES, lists.DEFAULT_PAGE_SIZE = (2,), 2
    try:
        page1 = client.get(LIST)
        next_url = unescape(re.search(r'rel="next" href="([^"]+)"', page1.content.decode())[1])
        page2 = client.get(LIST + next_url)
        next_url = unescape(re.search(r'rel="next" href="([^"]+)"', page2.content.decode())[1])
        page3 = client.get(LIST + next_url)
        prev_url = unescape(re.search(r'rel="prev" href="([^"]+)"', page3.content.decode())[1])
        back = client.get(LIST + prev_url)
    finally:
        lists.PAGE_SIZES, lists.DEFAULT_PAGE_SIZE = original
    ids = [str(o.pk) for o in reversed(orders)]
    assert rows(page1) == ids[:2]
    assert rows(page2) == ids[2:4]
    assert rows(page3) == ids[4:]
    assert rows(back) == ids[2:4]
    assert "3\u20134</strong>" in back.content.decode()  # "3-4 of 5", with an en dash


def test_a_tampered_cursor_falls_back_to_the_first_page(client, support):
    OrderFactory()
    response = client.get(LIST, {"after": "not-a-cursor", "sort": "-amount"})
    assert response.status_code == 200 and len(rows(response)) == 1


def test_sorting_by_amount_both_ways(client, support):
    small, big = OrderFactory(amount=Decimal("5")), OrderFactory(amount=Decimal("500"))
    assert rows(client.get(LIST, {"sort": "amount"})) == [str(small.pk), str(big.pk)]
    assert rows(client.get(LIST, {"sort": "-amount"})) == [str(big.pk), str(small.pk)]
    header = client.get(LIST, {"sort": "amount"}).content.decode()
    assert 'aria-sort="ascending"' in header


def test_the_total_is_capped_not_counted(client, support, monkeypatch):
    from core import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    for _ in range(5):
        OrderFactory()
    response = client.get(LIST)
    assert b"of 3+ (many) orders" in response.content


def test_query_count_does_not_grow_with_page_size(client, support, django_assert_max_num_queries):
    for i in range(60):
        order = OrderFactory(placed=True, tango_status="COMPLETE")
        LineItemFactory(order=order, line_number=2, status="FAILED" if i % 2 else "COMPLETE")

    def count(per: int, **headers: str) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST, {"per": per}, headers=headers)
        assert len(rows(response)) == min(per, 60)
        return len(ctx.captured_queries)

    assert count(25, **HTMX) == count(100, **HTMX)
    assert count(25) == count(100)  # the full page adds facets and the filter form's choices
    with django_assert_max_num_queries(9):
        client.get(LIST, {"per": 100, "li_status": "FAILED", "q": "Jane"}, headers=HTMX)
    # PostgreSQL adds the facet time budget around each GROUP BY (savepoint, SET, reset).
    budget = 10 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(16 + budget):
        client.get(LIST, {"per": 100, "li_status": "FAILED", "q": "Jane"})


def test_recipient_contact_data_is_masked_in_the_list(client, support):
    OrderFactory(line_item__recipient_email="jane.doe@example.com")
    html = client.get(LIST).content.decode()
    assert "j***@example.com" in html and "jane.doe@example.com" not in html


def test_saved_views_are_listed_and_can_be_created(client, support):
    response = client.post(
        reverse("orders:saved-view-create"),
        {"name": "Failed line items, last 24 h", "query_string": "li_status=FAILED&after=x"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/?li_status=FAILED"
    view = SavedView.objects.get()
    assert (view.owner, view.query_string) == (support, "li_status=FAILED")
    page = client.get(LIST).content.decode()
    assert 'href="/?li_status=FAILED">Failed line items, last 24 h</a>' in page


def test_owner_may_delete_their_saved_view_others_may_not(client, support, make_user):
    mine = SavedView.objects.create(name="Mine", query_string="", owner=support)
    theirs = SavedView.objects.create(name="Theirs", query_string="", owner=make_user("Manager"))
    assert client.post(reverse("orders:saved-view-delete", args=[theirs.pk])).status_code == 403
    assert client.post(reverse("orders:saved-view-delete", args=[mine.pk])).status_code == 302
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Theirs"]


def test_bulk_controls_only_for_roles_that_can_start_jobs(client, support, make_user):
    OrderFactory()
    assert b'id="bulk-form"' not in client.get(LIST).content
    client.force_login(make_user("Manager"))
    assert b'id="bulk-form"' in client.get(LIST).content


def test_admin_order_list_filters_by_order_and_line_item_status(client, make_user):
    admin_user = make_user("Admin", is_superuser=True)
    client.force_login(admin_user)
    wanted = OrderFactory(placed=True, tango_status="PARTIAL")
    LineItemFactory(order=wanted, line_number=2, status="FAILED")
    OrderFactory(placed=True, tango_status="PARTIAL")
    response = client.get(
        reverse("admin:orders_order_changelist"),
        {"tango_status__exact": "PARTIAL", "line_item_status": "FAILED"},
    )
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [wanted]


def test_a_bulk_order_shows_its_first_line_items_and_how_many_more(client, support):
    order = OrderFactory(placed=True, tango_status="PARTIAL")
    for number in range(2, 6):
        LineItemFactory(order=order, line_number=number, status="FAILED")
    html = client.get(LIST, headers=HTMX).content.decode()
    cell = re.search(r'<div class="li-cell">(.*?)</div>', html, re.S).group(1)
    assert cell.count('class="badge') == 3
    assert "+2 more" in cell
    assert "+4 more" in html  # the reward column: 5 line items, first one shown
