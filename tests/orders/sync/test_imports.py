"""Orders placed outside Rewards Ops are imported (orders/sync/imports.py)."""

from __future__ import annotations

from decimal import Decimal

from orders.models import Account, Order, OrderEvent
from orders.statuses import EventSource, PlacementState
from orders.sync.line_items import sync_line_items
from orders.sync.orders import sync_orders_window
from tango.testing import T0, WINDOW, FakeTango, tango_line_json
from tests.factories import AccountFactory


def test_first_pass_imports_orders_placed_outside(fake_tango: FakeTango, account: Account) -> None:
    refs = fake_tango.seed(250, source="RG")

    report = sync_orders_window(**WINDOW)

    assert report.created == 250 and report.updated == 0
    assert fake_tango.count("list_orders") == 3
    order = Order.objects.get(reference_order_id=refs[7])
    assert order.state == PlacementState.PLACED and order.order_source == "RG"
    assert order.account == account and order.tango_status == "COMPLETE"
    assert order.external_ref_id == f"tango-{refs[7]}"  # Tango had no externalRefID for it
    assert order.amount_charged_total == Decimal("25.00")
    line = order.line_items.get()
    assert (line.status, line.utid, line.recipient_email) == (
        "COMPLETE",
        "U100001",
        "jane@example.com",
    )
    created = OrderEvent.objects.filter(kind=OrderEvent.Kind.CREATED, source=EventSource.SYNC)
    assert created.count() == 250


def test_imported_async_orders_are_bulk(fake_tango: FakeTango, account: Account) -> None:
    fake_tango.add("AA261102-3-11", created=T0, external_ref="their-bulk-7", source="AA")

    sync_orders_window(**WINDOW)

    order = Order.objects.get(reference_order_id="AA261102-3-11")
    assert (order.is_bulk, order.order_source, order.external_ref_id) == (
        True,
        "AA",
        "their-bulk-7",
    )


def test_imported_bulk_order_lines_get_their_own_amounts(
    fake_tango: FakeTango, account: Account
) -> None:
    tango = fake_tango.add(
        "AA261102-4-12", created=T0, amount="80.00", source="AA", with_line=False
    )
    for n, value in ((1, 20.0), (2, 60.0)):
        line = tango_line_json(
            tango,
            referenceLineItemID=f"AA261102-4-12-{n}",
            lineNumber=n,
            amountIssued={"value": value, "currencyCode": "USD"},
        )
        fake_tango.lines[line["referenceLineItemID"]] = line

    sync_orders_window(**WINDOW)
    sync_line_items(**WINDOW)

    order = Order.objects.get(reference_order_id="AA261102-4-12")
    assert order.amount == Decimal("80.00")
    assert list(order.line_items.values_list("line_number", "amount")) == [
        (1, Decimal("20.00")),
        (2, Decimal("60.00")),
    ]


def test_same_external_ref_on_two_accounts_imports_both(
    fake_tango: FakeTango, account: Account
) -> None:
    AccountFactory(identifier="acme-usd-02", customer=account.customer)
    fake_tango.add("RA261102-4-11", created=T0, external_ref="shared-1")
    fake_tango.add("RA261102-5-11", created=T0, external_ref="shared-1", account="acme-usd-02")

    sync_orders_window(**WINDOW)

    ext_ids = sorted(Order.objects.values_list("external_ref_id", flat=True))
    assert len(ext_ids) == 2 and ext_ids[0] == "shared-1" and ext_ids[1].startswith("tango-RA")


def test_import_waits_for_an_unknown_account(fake_tango: FakeTango, account: Account) -> None:
    fake_tango.add("RA261102-9-11", created=T0, account="globex-eur-01", customer="globex-eu")

    report = sync_orders_window(**WINDOW)

    assert report.skipped == 1 and Order.objects.count() == 0
