"""A status Tango sends that is not in our vocabulary (Tango adds values, TANGO_API.md §2.3;
its async pages mention ``SCHEDULED DELIVERY``) is stored whole, shown and counted in the list
and its facets, and never stops the rest of its sync window (issue 13, item 4).

Against the simulator, on PostgreSQL when DATABASE_URL is set: 18 characters did not fit the
16-character order-status column (nor the 10-character line-item one).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.utils import timezone

from orders.models import LineItem, Order
from orders.sync.orders import sync_orders_window
from tango.types import Recipient

pytestmark = pytest.mark.integration  # starts the simulator process

SCHEDULED = "SCHEDULED DELIVERY"


@pytest.fixture
def sim(synced_sim):
    return synced_sim


def _place(cents: str, n: int) -> str:
    from tango.client import get_client

    result = get_client().create_order(
        customer_identifier="acme-main",
        account_identifier="acme-usd-01",
        utid="U100001",
        amount=Decimal(f"{10 + n}.{cents}"),
        delivery_method="EMAIL",
        external_ref_id=f"unknown-status-{n}",
        recipient=Recipient(first_name="Ann", email=f"ann{n}@example.com"),
    )
    return result.order.reference_order_id


def test_unknown_status_is_stored_shown_and_counted(sim, client, make_user) -> None:
    imported = _place("00", 0)  # COMPLETE: imported with the unknown status
    pending = _place("11", 1)  # PENDING: updated to it by a later pass
    others = [_place("00", n) for n in range(2, 6)]
    sim.transition(imported, SCHEDULED, SCHEDULED)
    now = timezone.now()
    window = {"start": now - timedelta(days=1), "end": now + timedelta(days=1)}

    report = sync_orders_window(**window)
    assert report.created == 6
    assert Order.objects.get(reference_order_id=imported).tango_status == SCHEDULED
    line = LineItem.objects.get(order__reference_order_id=imported)
    assert line.status == SCHEDULED
    # The rest of the window was written too.
    assert set(
        Order.objects.filter(reference_order_id__in=others).values_list("tango_status", flat=True)
    ) == {"COMPLETE"}

    sim.transition(pending, SCHEDULED, SCHEDULED)
    sync_orders_window(**window)
    assert Order.objects.get(reference_order_id=pending).tango_status == SCHEDULED
    assert LineItem.objects.get(order__reference_order_id=pending).status == SCHEDULED

    cache.clear()
    client.force_login(make_user("Support"))
    page = unescape(client.get("/").content.decode())
    assert page.count(SCHEDULED) >= 4  # two rows (order and line status) and two facets
    for name in ("status", "li_status"):
        facet = re.search(
            rf'name="{name}" value="{SCHEDULED}" id="(f-{name}-[\w-]+)"[^<]*>\s*<span[^>]*>'
            rf'{SCHEDULED}</span><span class="count" id="\1-n"[^>]*>(\d+)<',
            page,
        )
        assert facet, f"no {name} facet for {SCHEDULED}"
        assert facet.group(2) == "2"
        assert " " not in facet.group(1)
    filtered = client.get("/", {"status": SCHEDULED}).content.decode()
    assert filtered.count('class="row-link"') == 2
    filtered = client.get("/", {"li_status": SCHEDULED, "status": "COMPLETE"}).content.decode()
    assert filtered.count('class="row-link"') == 0
    detail = client.get(f"/orders/{Order.objects.get(reference_order_id=imported).pk}/")
    assert SCHEDULED in unescape(detail.content.decode())
