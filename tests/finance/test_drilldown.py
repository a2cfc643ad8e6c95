"""Every report number links to the orders list, and the list shows exactly that many
orders: a test per row dimension, for rows, cells (periods) and reward-status counts."""

from __future__ import annotations

import pytest

from finance.dimensions import DIMENSIONS


def listed(client, link: str) -> int:
    response = client.get(link)
    assert response.status_code == 200, link
    return response.context["page"].total


@pytest.mark.parametrize("rows", list(DIMENSIONS))
def test_each_row_and_cell_drills_down_to_exactly_its_orders(
    client, ledger, run_report, march, make_user, rows
):
    finance = make_user("Finance")
    client.force_login(finance)
    report = run_report({**march, "rows": rows, "period": "week"}, user=finance)
    assert report.rows
    for row in [*report.rows, *report.totals]:
        assert row.link, f"{rows}: {row.label} has no drill-down"
        assert listed(client, row.link) == row.numbers["orders"], (rows, row.label)
        for cell in row.cells:
            if cell.orders:
                assert listed(client, cell.link) == cell.orders, (rows, row.label, cell.link)


@pytest.mark.parametrize("rows", ["account", "li_status"])
def test_drill_downs_keep_the_report_filter(client, ledger, run_report, march, make_user, rows):
    finance = make_user("Finance")
    client.force_login(finance)
    params = {**march, "rows": rows, "li_status": ["FAILED", "CANCELLED"], "tz": "Asia/Tokyo"}
    report = run_report(params, user=finance)
    for row in report.rows:
        assert "tz=Asia%2FTokyo" in row.link
        assert listed(client, row.link) == row.numbers["orders"]
        for status, _count, link in row.status_counts:
            if link:
                assert status in {"FAILED", "CANCELLED"}


def test_reward_status_counts_link_to_the_orders_having_such_rewards(
    client, ledger, run_report, march, make_user
):
    finance = make_user("Finance")
    client.force_login(finance)
    report = run_report({**march, "rows": "currency"}, user=finance)
    usd = next(
        r for r in report.totals if (r.charged_currency, r.reward_currency) == ("USD", "USD")
    )
    links = {status: link for status, count, link in usd.status_counts if count}
    # Single-line orders: one order per reward; the PARTIAL order has one of each.
    assert listed(client, links["FAILED"]) == 2  # the FAILED order and the PARTIAL one
    assert listed(client, links["CANCELLED"]) == 3


def test_a_row_of_rewards_with_no_known_brand_drills_down_too(
    client, ledger, run_report, march, make_user
):
    """A line whose reward is not in the synced catalog (no brand) still has its row, and the
    row's link lists exactly its orders, not every order of the period."""
    from decimal import Decimal

    from tests.factories import LineItemFactory, OrderFactory

    from .conftest import at

    order = OrderFactory(placed=True, account=ledger["complete"].account, line_item=None,
                         tango_status="COMPLETE", tango_created_at=at(14))  # fmt: skip
    LineItemFactory(order=order, line_number=1, catalog_item=None, amount=Decimal("12.00"))
    finance = make_user("Finance")
    client.force_login(finance)
    report = run_report({**march, "rows": "brand"}, user=finance)
    unbranded = [row for row in report.rows if row.label == "(no brand)"]
    assert len(unbranded) == 1 and unbranded[0].numbers["orders"] == 1
    assert unbranded[0].link
    assert listed(client, unbranded[0].link) == 1
    for cell in unbranded[0].cells:
        if cell.orders:
            assert listed(client, cell.link) == cell.orders
