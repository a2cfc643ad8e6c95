"""Month-end: closing a period snapshots the report and its inputs (audited, once), a re-run
later shows the same numbers or the drift, and what was open at the period's end is listed
from the timeline even when it has moved on since."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from finance.models import PeriodClose
from orders.models import LineItem, Order, OrderEvent


@pytest.fixture
def finance_client(client, make_user):
    client.force_login(make_user("Finance"))
    return client


def close(client, params, note="March close"):
    return client.post(reverse("finance:close"), {"query_string": urlencode(params), "note": note})


def test_closing_snapshots_the_report_and_is_audited_once(finance_client, ledger, march):
    response = close(finance_client, {**march, "rows": "account"})
    closed = PeriodClose.objects.get()
    assert response["Location"] == reverse("finance:close-detail", args=[closed.pk])
    assert (closed.period_start.isoformat(), closed.period_end.isoformat()) == (
        "2026-03-01",
        "2026-03-31",
    )
    usd = next(
        t
        for t in closed.snapshot["totals"]
        if (t["charged_currency"], t["reward_currency"]) == ("USD", "USD")
    )
    assert usd["numbers"]["refund"] == "141.00"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.reason) == ("period.close", "March close")
    again = close(finance_client, {**march, "rows": "account"})
    assert PeriodClose.objects.count() == 1
    assert again.status_code == 302
    page = finance_client.get(reverse("finance:close-detail", args=[closed.pk]))
    assert b"No drift" in page.content


def test_a_re_run_after_a_late_change_shows_the_drift(finance_client, ledger, march):
    close(finance_client, {**march, "rows": "account"})
    closed = PeriodClose.objects.get()
    # A late sync: the PENDING order of 25 March failed (Tango refunds it).
    pending = ledger["pending"]
    Order.objects.filter(pk=pending.pk).update(tango_status="FAILED")
    LineItem.objects.filter(order=pending).update(status="FAILED")
    page = finance_client.get(reverse("finance:close-detail", args=[closed.pk]))
    html = page.content.decode()
    assert "changed since the close" in html
    assert "141.00" in html and "146.00" in html  # refunds then and now


def test_open_at_period_end_is_rebuilt_from_the_timeline(finance_client, ledger, march):
    pending = ledger["pending"]
    # It completed on 2 April: at the end of March it was still PENDING.
    Order.objects.filter(pk=pending.pk).update(tango_status="COMPLETE")
    OrderEvent.objects.create(
        order=pending,
        kind=OrderEvent.Kind.STATUS_CHANGED,
        source="sync",
        old_status="PENDING",
        new_status="COMPLETE",
        occurred_at=datetime(2026, 4, 2, tzinfo=UTC),
    )
    # A reward frozen in March and unfrozen in April was frozen at the end of March.
    line = ledger["complete"].line_items.get()
    OrderEvent.objects.create(
        order=ledger["complete"],
        line_item=line,
        kind=OrderEvent.Kind.LINE_ITEM_ACTION,
        source="staff",
        old_status="FROZEN",
        new_status="ACTIVE",
        occurred_at=datetime(2026, 4, 3, tzinfo=UTC),
    )
    # Awaiting approval since 10 March (never placed; dated by our own row).
    Order.objects.filter(pk=ledger["unplaced"].pk).update(state="awaiting_approval")
    close(finance_client, {**march, "rows": "account"})
    open_items = {
        i["order_id"]: i["what"] for i in PeriodClose.objects.get().snapshot["open_at_end"]
    }
    assert open_items == {
        pending.pk: "PENDING at Tango",
        ledger["complete"].pk: "Reward frozen",
        ledger["unplaced"].pk: "Awaiting approval",
    }
    page = finance_client.get(reverse("finance:close-detail", args=[PeriodClose.objects.get().pk]))
    assert b"Awaiting approval" in page.content


def test_managers_and_support_cannot_close(client, ledger, march, make_user):
    for role in ("Manager", "Support"):
        client.force_login(make_user(role, username=f"{role}-x"))
        assert close(client, {**march}).status_code == 403
    assert not PeriodClose.objects.exists()
