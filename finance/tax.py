"""Recipient tax totals: what each recipient received per calendar year, across all accounts.

A recipient is a normalised email (lower-cased, trimmed): the same person ordered from two
accounts or programs is one row. Only rewards that reached them count (line-item status
COMPLETE; failed, cancelled, returned and pending ones did not). The threshold is in US
dollars (settings.FINANCE_TAX_THRESHOLDS, default US$600 for 2025 payments, US$2,000 from
2026): a USD reward counts at face value; a reward in another currency paid from a USD
account counts at its charged value (converted at the order's captured exchange rate);
anything else is counted separately and not converted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, F, Max, QuerySet, Sum, Value, When
from django.db.models.functions import Lower, Trim

from core.dates import day_start
from finance.money import MONEY_FIELD, ZERO, with_money
from orders.models import LineItem
from orders.statuses import LineItemStatus, PlacementState

USD = "USD"


def threshold_for(year: int) -> Decimal:
    """The US$ threshold of `year`: the latest configured year at or before it."""
    thresholds = settings.FINANCE_TAX_THRESHOLDS
    years = [y for y in thresholds if y <= year] or [min(thresholds)]
    return Decimal(thresholds[max(years)])


@dataclass(frozen=True)
class RecipientTotal:
    email: str
    first_name: str
    last_name: str
    year: int
    rewards: int
    usd: Decimal
    other: int


def received_lines(year: int, zone: ZoneInfo) -> QuerySet:
    start, end = day_start(date(year, 1, 1), zone), day_start(date(year + 1, 1, 1), zone)
    lines = LineItem.objects.filter(
        status=LineItemStatus.COMPLETE,
        order__state=PlacementState.PLACED,
        order__ordered_at__gte=start,
        order__ordered_at__lt=end,
    ).exclude(recipient_email="")
    return with_money(lines).annotate(email_key=Lower(Trim("recipient_email")))


def recipient_totals(*, year: int, zone: ZoneInfo, at_least: Decimal | None = None) -> QuerySet:
    """Per normalised email: rewards, US$ received, rewards not in US$; biggest first."""
    usd = Case(
        When(order__currency=USD, then=F("amount")),
        When(order__account__currency=USD, then=F("line_value")),
        default=ZERO,
        output_field=MONEY_FIELD,
    )
    other = Case(
        When(order__currency=USD, then=Value(0)),
        When(order__account__currency=USD, then=Value(0)),
        default=Value(1),
    )
    totals = (
        received_lines(year, zone)
        .values("email_key")
        .annotate(
            rewards=Count("pk"),
            usd=Sum(usd),
            other=Sum(other),
            first_name=Max("recipient_first_name"),
            last_name=Max("recipient_last_name"),
        )
        .order_by("-usd", "email_key")
    )
    if at_least is not None:
        totals = totals.filter(usd__gte=at_least)
    return totals


def totals_at_threshold(*, year: int, zone: ZoneInfo) -> list[RecipientTotal]:
    rows = recipient_totals(year=year, zone=zone, at_least=threshold_for(year))
    return [
        RecipientTotal(
            email=row["email_key"],
            first_name=row["first_name"] or "",
            last_name=row["last_name"] or "",
            year=year,
            rewards=row["rewards"],
            usd=row["usd"] or Decimal("0.00"),
            other=row["other"] or 0,
        )
        for row in rows
    ]
