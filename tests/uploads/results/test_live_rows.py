"""The upload page's live region: each row's order and reward statuses as the sync brings them
in, polled while anything may still change (and no longer once every row is final), filtered,
paged, with placement progress and an estimated finish from the rate so far."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.actions.placement import place_order
from orders.models import Order
from orders.statuses import PlacementState
from tests.uploads.conftest import good_row
from tests.uploads.results.conftest import MIXED, checked, confirmed, place_at_tango, settle
from uploads import outcomes, result_views
from uploads.models import Upload

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def tango(fake_tango, settings):
    settings.TANGO_ORDER_RATE = 0  # no pacing at the fake
    return fake_tango


@pytest.fixture
def support(client, uploader):
    client.force_login(uploader)
    return client


def live(client, upload, **params):
    response = client.get(reverse("uploads:rows", args=[upload.pk]), params, headers=HTMX)
    assert response.status_code == 200 and b"<html" not in response.content
    return response.content.decode()


def polls(html: str) -> bool:
    """Does the live region's opening tag poll?"""
    opening = html[html.index('<section id="upload-live"') :].split(">", 1)[0]
    return "hx-trigger=" in opening


def row_html(html: str, number: int) -> str:
    start = html.index(f'<tr id="row-{number}"')
    return html[start : html.index("</tr>", start)]


def test_statuses_come_in_with_the_sync_and_polling_stops_once_every_row_is_final(
    catalog, account, actor, support, tango
):
    upload = confirmed(actor, MIXED)
    page = support.get(reverse("uploads:detail", args=[upload.pk])).content.decode()
    assert polls(page)  # the orders are queued, not at Tango yet
    assert "Queued for placement" in row_html(page, 2) and "not at Tango yet" in row_html(page, 2)
    assert "utid U999999 is not in the catalog" in row_html(page, 3)
    assert "Not placed: problems" in row_html(page, 4)

    first, second = place_at_tango(upload, tango, status="PENDING")
    html = live(support, upload)
    assert polls(html)  # Tango has the orders, but they are PENDING
    assert first.reference_order_id in row_html(html, 2)
    assert ">Pending<" in row_html(html, 2)

    settle(first, tango)
    html = live(support, upload)
    assert ">Complete<" in row_html(html, 2) and ">Pending<" in row_html(html, 5)
    assert polls(html)  # row 5 still open

    settle(second, tango, status="FAILED", line="FAILED")
    html = live(support, upload)
    assert ">Failed<" in row_html(html, 5) and 'data-result="failed"' in row_html(html, 5)
    assert not polls(html)  # every row final: the answer carries no trigger, polling stops
    assert "Every row is final" in html


def test_the_filter_shows_problems_placed_or_failed_rows_with_counts(
    catalog, account, actor, support, tango
):
    upload = confirmed(actor, MIXED)
    _, second = place_at_tango(upload, tango, status="COMPLETE")
    Order.objects.filter(pk=second.pk).update(state=PlacementState.PLACEMENT_FAILED)
    numbers = {}
    for show in ("all", "problems", "placed", "failed"):
        html = live(support, upload, show=show)
        numbers[show] = [n for n in range(2, 6) if f'<tr id="row-{n}"' in html]
    assert numbers == {"all": [2, 3, 4, 5], "problems": [3, 4], "placed": [2, 5], "failed": [5]}
    html = live(support, upload, show="failed")
    assert 'aria-current="page">Failed <span class="count">1</span>' in html
    assert 'Problems <span class="count">2</span>' in html
    assert outcomes.filter_counts(upload) == {"all": 4, "problems": 2, "placed": 2, "failed": 1}
    assert "?show=all" in live(support, upload, show="nonsense")  # unknown: all rows


def test_rows_are_paged_by_row_number_forwards_and_back(
    catalog, account, actor, support, monkeypatch
):
    monkeypatch.setattr(result_views, "PAGE_SIZE", 2)
    upload = checked(actor, [good_row(n) for n in range(1, 6)])  # rows 2..6
    first = live(support, upload)
    assert 'id="row-2"' in first and 'id="row-3"' in first and 'id="row-4"' not in first
    assert "after=3" in first and 'rel="prev"' not in first
    second = live(support, upload, after=3)
    assert 'id="row-4"' in second and 'id="row-5"' in second and "after=5" in second
    assert "before=4" in second
    back = live(support, upload, before=4)
    assert 'id="row-2"' in back and 'id="row-3"' in back and 'id="row-4"' not in back
    last = live(support, upload, after=5)
    assert 'id="row-6"' in last and 'rel="next"' not in last


def test_the_rows_region_costs_the_same_queries_whatever_the_page_size(
    catalog, account, actor, support, tango, monkeypatch
):
    upload = confirmed(actor, [good_row(n) for n in range(1, 9)])
    place_at_tango(upload, tango)
    counts = []
    for size in (2, 8):
        monkeypatch.setattr(result_views, "PAGE_SIZE", size)
        with CaptureQueriesContext(connection) as queries:
            html = live(support, upload)
        assert html.count("<tr id=") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_plain_get_of_the_region_is_sent_to_the_page(catalog, account, actor, support):
    upload = checked(actor, [good_row(1)])
    response = support.get(reverse("uploads:rows", args=[upload.pk]), {"show": "problems"})
    assert response.status_code == 302
    assert response["Location"] == reverse("uploads:detail", args=[upload.pk]) + "?show=problems"


def test_a_checked_upload_shows_its_rows_without_polling(catalog, account, actor, support):
    upload = checked(actor, MIXED)
    page = support.get(reverse("uploads:detail", args=[upload.pk])).content.decode()
    assert not polls(page)
    assert "Not placed yet" in row_html(page, 2) and "Not placed: problems" in row_html(page, 3)


def test_progress_counts_rows_at_tango_and_estimates_the_finish_from_the_rate(
    catalog, account, actor, tango
):
    upload = confirmed(actor, [good_row(n) for n in range(1, 5)])
    started = timezone.now() - timedelta(minutes=2)
    Upload.objects.filter(pk=upload.pk).update(confirmed_at=started)
    upload.refresh_from_db()
    orders = list(Order.objects.filter(upload_rows__upload=upload).order_by("pk"))
    assert outcomes.placement_progress(upload).finish_at is None  # nothing at Tango yet
    tango.new_order_status = "PENDING"
    for order in orders[:2]:
        place_order(order_id=order.pk)
    now = started + timedelta(minutes=2)
    progress = outcomes.placement_progress(upload, now=now)
    assert (progress.to_place, progress.created, progress.at_tango) == (4, 4, 2)
    assert progress.remaining == 2 and progress.percent == 50
    assert progress.rate_per_minute == pytest.approx(1.0)  # 2 rows in 2 minutes
    assert progress.finish_at == now + timedelta(minutes=2)
    Order.objects.filter(pk=orders[2].pk).update(state=PlacementState.AWAITING_APPROVAL)
    progress = outcomes.placement_progress(upload, now=now)
    assert progress.waiting == 1 and progress.remaining == 1  # a manager's wait is not ETA'd
    assert progress.finish_at == now + timedelta(minutes=1)


def test_the_page_shows_progress_and_the_estimate(catalog, account, actor, support, tango):
    upload = confirmed(actor, [good_row(n) for n in range(1, 4)])
    Upload.objects.filter(pk=upload.pk).update(confirmed_at=timezone.now() - timedelta(minutes=1))
    first = Order.objects.filter(upload_rows__upload=upload).order_by("pk").first()
    place_order(order_id=first.pk)
    html = live(support, upload)
    assert "<strong>1</strong> of 3 rows placed at Tango (33%)" in html
    assert 'id="placement-eta"' in html and "Estimated finish" in html
    assert "about 1 rows a minute" in html
