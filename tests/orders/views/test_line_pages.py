"""The order page with many line items (issue 11): its queries do not grow with the lines, it
pages them, and its header counts the whole order."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urljoin

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import LineItemFactory, OrderFactory

HTMX = {"HX-Request": "true"}


def order_with_lines(count: int, *, failed_every: int = 6):
    """A placed order whose lines are issued Reward Links (every action offered: resend,
    reveal, cancel, freeze, reissue), every `failed_every`-th one FAILED."""
    order = OrderFactory(placed=True, tango_status="PARTIAL", line_item=None)
    for number in range(1, count + 1):
        failed = number % failed_every == 0
        LineItemFactory(
            order=order,
            line_number=number,
            status="FAILED" if failed else "COMPLETE",
            reward_status="" if failed else "ACTIVE",
            can_cancel=not failed,
            can_freeze=not failed,
        )
    return order


def detail(order) -> str:
    return reverse("orders:detail", args=[order.pk])


def line_numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<span class="muted">#(\d+)</span>', html)]


def next_link(html: str, order) -> str:
    """The next-page link's URL (a query string, relative to the order's page)."""
    found = re.search(r'rel="next" href="([^"]+)"', html)
    assert found, "the page has a next-page link"
    return urljoin(detail(order), html_lib.unescape(found.group(1)))


@pytest.fixture
def manager(client, make_user, fake_tango):
    client.force_login(make_user("Manager"))
    return client


def test_the_query_count_does_not_grow_with_the_line_items(manager):
    # The same kinds of lines in both (issued ones with every action, failed ones).
    small, large = order_with_lines(3, failed_every=3), order_with_lines(60, failed_every=3)
    manager.get(detail(small))  # the session and permission caches, once
    counts = {}
    for order in (small, large):
        with CaptureQueriesContext(connection) as queries:
            page = manager.get(detail(order)).content.decode()
        assert "Cancel…" in page and "Freeze…" in page and "Reissue…" in page
        counts[order.pk] = len(queries.captured_queries)
    assert counts[large.pk] == counts[small.pk], queries.captured_queries
    # Session, user, permissions, the order, its line counts (one GROUP BY, which also pages
    # the lines), the page of lines, the timeline, the resend flags (one query), approvals,
    # re-orders / reissues, the upload it came from: a bound, not a per-line cost.
    assert counts[small.pk] <= 18, queries.captured_queries


def test_a_long_order_shows_its_first_page_and_the_next_one_by_its_link(manager):
    order = order_with_lines(120)
    page = manager.get(detail(order)).content.decode()
    assert line_numbers(page) == list(range(1, 51))
    # Whole-order figures, not the page's: 120 lines, 20 of them failed.
    assert 'Line items <span class="muted">(120)</span>' in page
    assert "Complete: 100" in page and "Failed: 20" in page
    assert "Lines 1\u201350 of 120" in page

    second = manager.get(next_link(page, order)).content.decode()
    assert line_numbers(second) == list(range(51, 101))
    assert "Lines 51\u2013100 of 120" in second

    third = manager.get(next_link(second, order), headers={**HTMX, "HX-Target": "line-items"})
    fragment = third.content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="line-items"')
    assert 'id="order-detail"' not in fragment and "<html" not in fragment
    assert line_numbers(fragment) == list(range(101, 121))
    assert 'rel="next"' not in fragment and 'rel="prev"' in fragment


def test_each_line_has_its_own_form_ids_and_its_own_csrf_token(manager):
    order = order_with_lines(4)
    page = manager.get(detail(order)).content.decode()
    assert "__pk__" not in page
    for line in order.line_items.filter(status="COMPLETE"):
        assert f'id="id_li{line.pk}_destination_0"' in page
        assert f'for="id_li{line.pk}_reason"' in page
        assert f'id="id_li{line.pk}cancel_reason_code"' in page
        assert f'id="id_li{line.pk}freeze_other_reason"' in page
    forms = re.findall(r'<form [^>]*method="post".*?</form>', page, re.S)
    assert forms and all("csrfmiddlewaretoken" in form for form in forms)


def test_a_refused_form_on_a_later_page_comes_back_on_its_line_with_its_errors(manager):
    order = order_with_lines(120)
    second_page = next_link(manager.get(detail(order)).content.decode(), order)
    line = order.line_items.get(line_number=75)
    query = second_page.split("?", 1)[1]
    url = reverse("orders:cancel-line-item", args=[line.pk])
    assert f"{url}?{query}".replace("&", "&amp;") in manager.get(second_page).content.decode()

    refused = manager.post(f"{url}?{query}", {"reason_code": "OTHER"}, headers=HTMX)
    html = refused.content.decode()
    assert refused.status_code == 422 and line_numbers(html) == list(range(51, 101))
    assert "Describe the reason." in html
    assert f'id="id_li{line.pk}cancel_other_reason"' in html

    plain = manager.post(f"{url}?{query}", {"reason_code": ""})
    assert plain.status_code == 422
    note = manager.post(reverse("orders:add-note", args=[order.pk]) + f"?{query}", {"text": "x"})
    assert note.status_code == 302 and note["Location"] == f"{detail(order)}?{query}"


def test_the_url_tags_and_inclusion_templates_do_not_grow_with_the_line_items(manager, monkeypatch):
    """Each line's action URLs (resend, reveal, cancel, freeze, reissue) come from one
    reversal a page (core.pk_urls), not a {% url %} per line, and its reissue control is no
    inclusion template."""
    import django.urls
    from django.template import library

    small, large = order_with_lines(3, failed_every=3), order_with_lines(30, failed_every=3)
    manager.get(detail(small))
    calls: dict[str, int] = {}
    url_tag_reverse, inclusion = django.urls.reverse, library.InclusionNode.render

    def counting_reverse(*args, **kwargs):  # {% url %} imports it from django.urls per call
        calls["url"] = calls.get("url", 0) + 1
        return url_tag_reverse(*args, **kwargs)

    def counting_inclusion(node, context):
        calls["inclusion"] = calls.get("inclusion", 0) + 1
        return inclusion(node, context)

    monkeypatch.setattr(django.urls, "reverse", counting_reverse)
    monkeypatch.setattr(library.InclusionNode, "render", counting_inclusion)
    seen = []
    for order in (small, large):
        calls.clear()
        page = manager.get(detail(order)).content.decode()
        assert page.count("Reissue…") == page.count("Freeze…") > 0
        seen.append(dict(calls))
    assert seen[0] == seen[1]


def test_a_line_card_escapes_what_tango_sent_and_lists_its_errors(manager):
    # orders/templatetags/line_cards.py writes the cards in Python: every value is escaped.
    order = OrderFactory(placed=True, tango_status="FAILED", line_item=None)
    LineItemFactory(
        order=order,
        line_number=1,
        status="FAILED",
        reward_name='<img src=x onerror="alert(1)">',
        errors=[{"message": "Account <b>closed</b>", "code": "422.1"}, "a bare string"],
    )
    html = manager.get(detail(order)).content.decode()
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert 'Account &lt;b&gt;closed&lt;/b&gt; <span class="mono">(422.1)</span>; ' in html
    assert html.count('<article class="line-item"') == 1


def test_a_revealed_credential_is_escaped_once():
    from orders.templatetags.line_cards import _credential
    from tango.types.values import Credential, Reward

    reward = Reward(credentials=(Credential(label="PIN", value="AB&C<1>'"),))
    html = _credential(reward)
    assert "AB&amp;C&lt;1&gt;&#x27;" in html and "&amp;amp;" not in html


def test_the_issued_date_is_in_the_current_time_zone(manager, settings):
    from datetime import UTC, datetime

    settings.TIME_ZONE = "America/New_York"
    order = OrderFactory(placed=True, tango_status="COMPLETE", line_item=None)
    LineItemFactory(
        order=order, line_number=1, date_issued=datetime(2026, 12, 4, 2, 48, tzinfo=UTC)
    )
    html = manager.get(detail(order)).content.decode()
    assert "<dt>Issued</dt><dd>2026-12-03 21:48</dd>" in html
