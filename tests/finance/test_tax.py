"""Recipient tax totals: per normalised email per calendar year, across accounts, at or above
the year's US$ threshold; masked without orders.view_recipient; exportable."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from finance.tax import threshold_for, totals_at_threshold
from tests.factories import AccountFactory, CustomerFactory, LineItemFactory, OrderFactory

D = Decimal


def reward(account, email, amount, *, when, status="COMPLETE", currency=None, value=None):
    currency = currency or account.currency
    order = OrderFactory(
        placed=True,
        account=account,
        currency=currency,
        amount=D(amount),
        amount_charged_value=D(value or amount),
        amount_charged_total=D(value or amount),
        tango_created_at=when,
        line_item=None,
    )
    LineItemFactory(
        order=order, status=status, amount=D(amount), currency=currency, recipient_email=email
    )


@pytest.fixture
def payouts(db):
    usd = AccountFactory()
    usd2 = AccountFactory(identifier="acme-usd-02", account_number="A2")
    eur = AccountFactory(
        identifier="globex-eur-01",
        customer=CustomerFactory(identifier="globex-eu", display_name="Globex"),
        currency="EUR",
    )
    may = datetime(2025, 5, 1, 12, tzinfo=UTC)
    # One person, two spellings of the address, two accounts: 400 + 250 = 650 >= 600.
    reward(usd, "Pat.Lee@Example.com ", "400.00", when=may)
    reward(usd2, "pat.lee@example.com", "250.00", when=may)
    # Failed and cancelled rewards were not received.
    reward(usd, "pat.lee@example.com", "900.00", when=may, status="FAILED")
    reward(usd, "sam@example.com", "599.99", when=may)
    reward(usd, "sam@example.com", "900.00", when=may, status="CANCELLED")
    # A EUR reward paid from a USD account counts at its charged USD value.
    reward(usd, "kim@example.com", "500.00", when=may, currency="EUR", value="560.00")
    reward(usd, "kim@example.com", "50.00", when=may)
    # Paid from a EUR account: not converted, counted apart.
    reward(eur, "kim@example.com", "5000.00", when=may)
    # 2026: US$2,000.
    reward(usd, "pat.lee@example.com", "1999.99", when=datetime(2026, 2, 1, tzinfo=UTC))
    # New Year's Eve in New York is already 2026 in UTC.
    reward(usd, "eve@example.com", "700.00", when=datetime(2026, 1, 1, 3, tzinfo=UTC))


def test_thresholds_default_and_carry_forward():
    assert threshold_for(2025) == D("600")
    assert threshold_for(2026) == threshold_for(2031) == D("2000")


def test_totals_by_normalised_email_across_accounts(payouts):
    totals = totals_at_threshold(year=2025, zone=ZoneInfo("UTC"))
    assert [(t.email, t.rewards, t.usd, t.other) for t in totals] == [
        ("pat.lee@example.com", 2, D("650.00"), 0),
        ("kim@example.com", 3, D("610.00"), 1),
    ]
    assert totals_at_threshold(year=2026, zone=ZoneInfo("UTC")) == []


def test_the_year_follows_the_time_zone(payouts):
    new_york = totals_at_threshold(year=2025, zone=ZoneInfo("America/New_York"))
    assert "eve@example.com" in {t.email for t in new_york}


def test_the_threshold_is_configurable(payouts, settings):
    settings.FINANCE_TAX_THRESHOLDS = {2025: 500}
    emails = {t.email for t in totals_at_threshold(year=2025, zone=ZoneInfo("UTC"))}
    assert emails == {"pat.lee@example.com", "kim@example.com", "sam@example.com"}


def test_the_page_masks_contact_data_for_finance(client, payouts, make_user):
    client.force_login(make_user("Finance"))
    html = client.get(reverse("finance:tax"), {"year": 2025, "tz": "UTC"}).content.decode()
    assert "p***@example.com" in html and "pat.lee@example.com" not in html
    assert "US$600" in html and "650.00" in html


def test_admins_see_it_unmasked(client, payouts, make_user):
    client.force_login(make_user("Admin"))
    html = client.get(reverse("finance:tax"), {"year": 2025, "tz": "UTC"}).content.decode()
    assert "pat.lee@example.com" in html


def test_the_export_lists_the_same_recipients_with_a_total(client, payouts, make_user):
    client.force_login(make_user("Finance"))
    response = client.post(
        reverse("finance:export"),
        {
            "kind": "tax",
            "file_format": "csv",
            "scope": "report",
            "query_string": "year=2025&tz=UTC",
        },
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    data = [row for row in rows if row and "***@" in row[0]]
    assert len(data) == 2
    total = next(row for row in rows if row and row[0].startswith("Total"))
    assert D(total[4]) == D("1260.00")
