"""A small ledger in two currencies with every refund case Tango has (FAILED, CANCELLED,
PARTIAL with a failed and a cancelled line, a reward cancelled after issue, DELETED), dated
in March 2026 (UTC) plus one order in February and one just after midnight UTC on 1 April
(still 31 March in New York)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orders.models import LineItem, Order
from tests.factories import (
    AccountFactory,
    CatalogItemFactory,
    CustomerFactory,
    LineItemFactory,
    OrderFactory,
)

D = Decimal


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """These tests log users in with force_login: no need for a million PBKDF2 rounds per
    user made (Django's testing advice)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _order(account, *, day, status, amount, fee="0.00", value=None, rate=None, **extra):
    currency = extra.pop("currency", account.currency)
    value = D(value) if value is not None else D(amount)
    lines = extra.pop("lines", None)
    order = OrderFactory(
        placed=True,
        account=account,
        currency=currency,
        amount=D(amount),
        tango_status=status,
        amount_charged_value=value,
        amount_charged_fee=D(fee),
        amount_charged_total=value + D(fee),
        amount_charged_currency=account.currency,
        exchange_rate=D(rate) if rate else None,
        tango_created_at=day,
        line_item=None,
        **extra,
    )
    for n, (line_status, line_amount, line_total, item) in enumerate(
        lines or [(_line_status(status), amount, value + D(fee), None)], start=1
    ):
        LineItemFactory(
            order=order,
            line_number=n,
            status=line_status,
            amount=D(line_amount),
            currency=currency,
            amount_charged_total=D(line_total),
            **({"catalog_item": item} if item else {}),
        )
    return order


def _line_status(order_status: str) -> str:
    return {"PENDING": "PENDING", "FAILED": "FAILED", "CANCELLED": "CANCELLED"}.get(
        order_status, "COMPLETE"
    )


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def ledger(db, make_user):
    usd = AccountFactory()
    globex = CustomerFactory(identifier="globex-eu", display_name="Globex")
    eur = AccountFactory(
        identifier="globex-eur-01", customer=globex, display_name="Globex EUR", currency="EUR"
    )
    starbucks = CatalogItemFactory(fixed=True)
    link = CatalogItemFactory()
    maker = make_user("Finance", username="maker")
    made = {
        "complete": _order(usd, day=at(2), status="COMPLETE", amount="25.00", fee="1.00",
                           campaign="Q1", purchase_order_number="PO-1", created_by=maker),
        "failed": _order(usd, day=at(5), status="FAILED", amount="50.00", fee="0.50",
                         campaign="Q1"),
        "reward_cancelled": _order(usd, day=at(9), status="COMPLETE", amount="40.00", fee="2.00",
                                   lines=[("CANCELLED", "40.00", "42.00", starbucks)],
                                   delivery_method="PHONE"),
        "cancelled": _order(usd, day=at(12), status="CANCELLED", amount="10.00",
                            purchase_order_number="PO-2"),
        "partial": _order(usd, day=at(16), status="PARTIAL", amount="60.00", fee="1.50",
                          is_bulk=True, campaign="=HYPERLINK(\"http://x\")",
                          lines=[("COMPLETE", "20.00", "20.50", link),
                                 ("FAILED", "20.00", "20.50", starbucks),
                                 ("CANCELLED", "20.00", "20.50", link)]),
        "eur": _order(eur, day=at(3), status="COMPLETE", amount="30.00", rate="1.00000000"),
        "eur_on_usd": _order(usd, day=at(20), status="COMPLETE", amount="100.00",
                             value="108.00", rate="1.08000000", currency="EUR"),
        "eur_failed": _order(eur, day=at(22), status="FAILED", amount="15.00", fee="0.30"),
        "pending": _order(usd, day=at(25), status="PENDING", amount="5.00"),
        "deleted": _order(usd, day=at(27), status="DELETED", amount="7.00"),
        "february": _order(usd, day=at(27, month=2), status="COMPLETE", amount="99.00"),
        "late_utc": _order(usd, day=datetime(2026, 4, 1, 2, tzinfo=UTC), status="COMPLETE",
                           amount="11.00"),
    }  # fmt: skip
    # Never reached Tango: dated by our own row (ordered_at = created_at), and not charged.
    unplaced = OrderFactory(account=usd, amount=D("500.00"))
    Order.objects.filter(pk=unplaced.pk).update(created_at=at(10))
    made["unplaced"] = unplaced
    assert LineItem.objects.count() == 15
    return made


@pytest.fixture
def march() -> dict[str, str]:
    """The report parameters of March 2026 in UTC."""
    return {"ordered_from": "2026-03-01", "ordered_to": "2026-03-31", "tz": "UTC"}


@pytest.fixture
def run_report(rf, make_user):
    """run_report(params, user=None) -> the finance.reports.Report for these GET parameters."""
    from django.http import QueryDict

    from finance.views.reports import report_for

    readers: list = []

    def run(params: dict, user=None):
        if user is None and not readers:
            readers.append(make_user("Finance", username="reader"))
        request = rf.get("/finance/reports/")
        request.user = user or readers[0]
        query = QueryDict(mutable=True)
        for key, value in params.items():
            query.setlist(key, value if isinstance(value, list) else [value])
        asked = report_for(request, query)
        assert asked.report is not None, asked.error or asked.filterset.errors
        return asked.report

    return run
