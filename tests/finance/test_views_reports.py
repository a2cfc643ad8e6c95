"""The reports page: full page and HTMX fragment, charts as SVG images, bounded queries."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse


@pytest.fixture
def finance_client(client, make_user):
    client.force_login(make_user("Finance"))
    return client


def test_the_page_states_range_time_zone_and_shows_charts(finance_client, ledger, march):
    query = urlencode({**march, "tz": "Europe/Berlin", "rows": "brand"})
    response = finance_client.get(f"{reverse('finance:reports')}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "in the time zone <strong>Europe/Berlin</strong>" in html
    assert reverse("finance:chart-spend", args=["USD"]) in html
    assert reverse("finance:chart-spend", args=["EUR"]) in html
    assert reverse("finance:chart-status") in html
    assert "Starbucks" in html and "Total" in html
    assert '<a href="/?' in html  # numbers are links to the orders list


def test_htmx_gets_the_report_fragment(finance_client, ledger, march):
    response = finance_client.get(reverse("finance:reports"), march, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="report-body"')
    assert "<html" not in html
    assert response["Vary"] == "HX-Request" or "HX-Request" in response["Vary"]


def test_default_range_is_stated_when_no_dates_are_given(finance_client, db):
    response = finance_client.get(reverse("finance:reports"))
    assert response.status_code == 200
    assert b"No orders placed at Tango match this report." in response.content


@pytest.mark.parametrize("chart", ["spend-USD", "status"])
def test_charts_are_svg_images_with_a_policy_of_their_own(finance_client, ledger, march, chart):
    response = finance_client.get(f"/finance/reports/charts/{chart}.svg", march)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert body.startswith("<svg") and "pygal" in body
    # The image may style itself; it loads and runs nothing.
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_a_spend_chart_for_a_currency_not_in_the_report_is_404(finance_client, ledger, march):
    assert finance_client.get("/finance/reports/charts/spend-GBP.svg", march).status_code == 404


def test_the_page_keeps_the_strict_policy(finance_client, ledger, march):
    response = finance_client.get(reverse("finance:reports"), march)
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_the_report_page_runs_a_bounded_number_of_queries(
    finance_client, ledger, march, django_assert_max_num_queries
):
    # Session + user + permissions, the form's choices, four GROUP BY queries; the console's
    # banners (sync health, low balances) are cached for a minute, so measured warm.
    finance_client.get(reverse("finance:reports"))
    with django_assert_max_num_queries(14):
        response = finance_client.get(reverse("finance:reports"), {**march, "period": "day"})
    assert response.status_code == 200


def test_more_orders_do_not_mean_more_queries(
    finance_client, ledger, march, django_assert_max_num_queries
):
    from tests.factories import OrderFactory

    for _ in range(15):
        OrderFactory(placed=True, tango_created_at=ledger["complete"].tango_created_at)
    finance_client.get(reverse("finance:reports"))  # the banners' cache, as above
    with django_assert_max_num_queries(14):
        finance_client.get(reverse("finance:reports"), {**march, "rows": "li_status"})


def test_bad_input_shows_the_errors_not_a_crash(finance_client, db):
    response = finance_client.get(reverse("finance:reports"), {"tz": "Mars/Olympus"})
    assert response.status_code == 200
    assert b"Correct the highlighted fields." in response.content


def test_orders_list_has_the_new_filters_and_an_export_link_for_finance(finance_client, ledger):
    response = finance_client.get(reverse("orders:list"), {"campaign": "Q1", "tz": "UTC"})
    html = response.content.decode()
    assert response.context["page"].total == 2
    assert 'name="ordered_from"' in html and 'name="campaign"' in html
    assert f'href="{reverse("finance:export")}?campaign=Q1&amp;tz=UTC"' in html


def _group_bys(client, url, params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return sum("GROUP BY" in q["sql"] for q in queries.captured_queries)


def test_the_page_and_its_charts_share_one_report_for_a_minute(
    finance_client, ledger, march, make_user, client
):
    page, chart = reverse("finance:reports"), reverse("finance:chart-status")
    assert _group_bys(finance_client, page, march) == 1  # rows by account: one GROUP BY
    assert _group_bys(finance_client, chart, march) == 0  # the chart image reuses it
    html = finance_client.get(page, march).content.decode()
    assert "Figures as of" in html and "fresh=1" in html
    # Another user computes their own (a search means what they may search for).
    other = client_for(make_user("Finance", username="other-reader"))
    assert _group_bys(other, page, march) == 1


def test_recompute_now_reads_the_orders_again(finance_client, ledger, march):
    from tests.factories import OrderFactory

    page = reverse("finance:reports")

    def figures(params) -> str:
        html = finance_client.get(page, params).content.decode()
        start = html.index('<table class="data report"')
        return html[start : html.index("</table>", start)]

    before = figures(march)
    OrderFactory(
        placed=True, account=ledger["complete"].account, tango_status="COMPLETE",
        tango_created_at=ledger["complete"].tango_created_at, amount="999.00",
        amount_charged_total="999.00", amount_charged_value="999.00",
    )  # fmt: skip
    assert figures(march) == before  # reused
    after = figures({**march, "fresh": "1"})
    assert after != before  # the new order is counted
    assert "fresh=1" not in after  # the drill-down links never carry the flag
    assert figures(march) == after  # and the fresh figures are the ones reused now


def client_for(user):
    from django.test import Client

    other = Client()
    other.force_login(user)
    return other


def test_an_older_report_is_recomputed_by_one_request_at_a_time(
    finance_client, ledger, march, monkeypatch
):
    from finance.views import reports

    page = reverse("finance:reports")
    assert _group_bys(finance_client, page, march) == 1
    monkeypatch.setattr(reports, "REPORT_CACHE_SECONDS", 0)  # every report is now too old
    # Another request (another web process) is recomputing it: the older figures are shown.
    monkeypatch.setattr(reports.cache, "add", lambda *args, **kwargs: False)
    assert _group_bys(finance_client, page, march) == 0
    assert "Figures as of" in finance_client.get(page, march).content.decode()
    monkeypatch.undo()
    monkeypatch.setattr(reports, "REPORT_CACHE_SECONDS", 0)
    # Nobody is: this request recomputes it, and frees it for the next one.
    assert _group_bys(finance_client, page, march) == 1
    assert _group_bys(finance_client, page, march) == 1


def test_a_first_view_whose_computation_failed_elsewhere_computes_it_itself(
    finance_client, ledger, march, monkeypatch
):
    from finance.views import reports

    # Another request took the report (it is not in the cache yet) and then gave up: its lock
    # is gone, so this one stops waiting and computes the report.
    monkeypatch.setattr(reports, "_take", lambda key: None)
    page = reverse("finance:reports")
    assert _group_bys(finance_client, page, march) == 1
