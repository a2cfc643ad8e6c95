"""The list dates an order by Tango's createdAt (Order.ordered_at), not by when our row was
written: an imported order from last year shows, sorts and filters as last year's (issue 8,
item 13)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from orders.models import Order
from tests.factories import OrderFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def support(client, make_user):
    user = make_user("Support")
    client.force_login(user)
    return user


def rows(response) -> list[str]:
    return re.findall(r'class="row-link" href="/orders/(\d+)/"', response.content.decode())


@pytest.fixture
def imported_and_new(db):
    """An order placed today (Tango's createdAt not synced yet: our row's time), then one
    imported after it whose Tango createdAt is 2025-03-10."""
    new = OrderFactory(placed=True)
    imported = OrderFactory(placed=True, tango_created_at=datetime(2025, 3, 10, 9, 30, tzinfo=UTC))
    return imported, new


def test_an_imported_order_shows_tangos_created_at(client, support, imported_and_new):
    imported, _ = imported_and_new
    html = client.get("/", headers=HTMX).content.decode()
    row = html[html.index(f'href="/orders/{imported.pk}/"') :]
    cell = re.search(r'<time datetime="([^"]+)"[^>]*>([^<]+)<', row)
    assert cell.group(1).startswith("2025-03-10T")
    assert cell.group(2) == "Mar 10"


def test_the_default_sort_and_created_sort_use_tangos_date(client, support, imported_and_new):
    imported, new = imported_and_new
    assert imported.pk > new.pk  # imported last: by our row's time it would be the newest
    assert rows(client.get("/", headers=HTMX)) == [str(new.pk), str(imported.pk)]
    assert rows(client.get("/", {"sort": "created"}, headers=HTMX)) == [
        str(imported.pk),
        str(new.pk),
    ]
    # The newest-first order holds across a page boundary too (the cursor is ordered_at's).
    from orders.views import lists

    original = lists.PAGE_SIZES, lists.DEFAULT_PAGE_SIZE
    lists.PAGE_SIZES, lists.DEFAULT_PAGE_SIZE = (1,), 1
    try:
        first = client.get("/", headers=HTMX)
        next_url = re.search(r'rel="next" href="([^"]+)"', first.content.decode())[1]
        second = client.get("/" + next_url.replace("&amp;", "&"), headers=HTMX)
    finally:
        lists.PAGE_SIZES, lists.DEFAULT_PAGE_SIZE = original
    assert rows(first) + rows(second) == [str(new.pk), str(imported.pk)]


def test_created_filters_use_tangos_date(client, support, imported_and_new):
    imported, new = imported_and_new
    march = {"created_from": "2025-03-10", "created_to": "2025-03-10"}
    assert rows(client.get("/", march, headers=HTMX)) == [str(imported.pk)]
    today = timezone.localdate().isoformat()
    assert rows(client.get("/", {"created_from": today}, headers=HTMX)) == [str(new.pk)]
    assert rows(client.get("/", {"created_to": "2025-12-31"}, headers=HTMX)) == [str(imported.pk)]
    assert rows(client.get("/", {"created_within": "24h"}, headers=HTMX)) == [str(new.pk)]


def test_a_bulk_job_over_all_matching_takes_the_newest_by_tangos_date(db, imported_and_new):
    imported, new = imported_and_new
    Order.objects.filter(pk=new.pk).update(tango_created_at=timezone.now() - timedelta(days=2))
    assert Order.objects.newest_ids(1) == [new.pk]
    Order.objects.filter(pk=imported.pk).update(tango_created_at=timezone.now())
    assert Order.objects.newest_ids(1) == [imported.pk]
