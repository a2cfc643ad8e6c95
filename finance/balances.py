"""Balances page arithmetic: spend, committed funds, runway, and the balance check's terms.

* Spend over N days: what Tango charged (amount_charged_total, else the face value) for the
  account's placed orders in those days, less the failed and cancelled ones (refunded).
* Committed: orders not placed yet that will be, queued or awaiting approval, priced like the
  approval queue prices them (approvals.funds: face value plus the catalog's fee).
* Runway: (balance - committed) / average daily spend over 30 days; None when nothing was spent.
* The balance check between two readings: previous - charges + refunds + funding. Charges are
  orders placed in between, refunds line items that turned FAILED / CANCELLED / RETURNED in
  between (their timeline rows), funding the Transaction webhooks Tango sent for the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import DecimalField, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from approvals.funds import catalog_fee
from finance.models import BalanceReading, BalanceThreshold
from orders.models import Account, LineItem, Order, OrderEvent, WebhookEvent
from tango.webhooks import TransactionPosted, parse_event

ZERO = Decimal("0.00")
REFUNDED_ORDER_STATUSES = ("FAILED", "CANCELLED")
REFUNDED_LINE_STATUSES = ("FAILED", "CANCELLED", "RETURNED")
COMMITTED_STATES = ("queued", "awaiting_approval")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _placed_orders(account: Account):
    return Order.objects.filter(account=account, state="placed").annotate(
        when=Coalesce("placed_at", "tango_created_at", "created_at"),
        charged=Coalesce("amount_charged_total", "amount", output_field=MONEY),
    )


def spend(account: Account, *, days: int, now: datetime | None = None) -> Decimal:
    now = now or timezone.now()
    total = (
        _placed_orders(account)
        .filter(when__gt=now - timedelta(days=days), when__lte=now)
        .exclude(tango_status__in=REFUNDED_ORDER_STATUSES)
        .aggregate(total=Sum("charged"))["total"]
    )
    return total or ZERO


def committed(account: Account) -> Decimal:
    total = ZERO
    lines = LineItem.objects.filter(
        order__account=account, order__state__in=COMMITTED_STATES, currency=account.currency
    ).select_related("catalog_item")
    for line in lines:
        total += line.amount + (catalog_fee(line.catalog_item, line.amount) or ZERO)
    return total


def runway_days(balance: Decimal, committed_funds: Decimal, spend_30: Decimal) -> Decimal | None:
    if spend_30 <= 0:
        return None
    available = max(balance - committed_funds, ZERO)
    return (available / (spend_30 / 30)).quantize(Decimal("0.1"))


@dataclass
class AccountBalance:
    account: Account
    spend_7: Decimal
    spend_30: Decimal
    committed: Decimal
    runway: Decimal | None
    threshold: BalanceThreshold | None
    last_check: BalanceReading | None

    @property
    def low(self) -> bool:
        return self.threshold is not None and self.account.current_balance < self.threshold.amount


def account_balances(now: datetime | None = None) -> list[AccountBalance]:
    now = now or timezone.now()
    rows = []
    thresholds = {t.account_id: t for t in BalanceThreshold.objects.all()}
    for account in Account.objects.select_related("customer").order_by("identifier"):
        spend_30 = spend(account, days=30, now=now)
        held = committed(account)
        rows.append(
            AccountBalance(
                account=account,
                spend_7=spend(account, days=7, now=now),
                spend_30=spend_30,
                committed=held,
                runway=runway_days(account.current_balance, held, spend_30),
                threshold=thresholds.get(account.pk),
                last_check=account.balance_readings.first(),
            )
        )
    return rows


def low_accounts() -> list[Account]:
    return [
        t.account
        for t in BalanceThreshold.objects.select_related("account")
        if t.account.current_balance < t.amount
    ]


# --- the balance check's terms ------------------------------------------------------------------


def charges_between(account: Account, since: datetime, until: datetime) -> Decimal:
    total = (
        _placed_orders(account)
        .filter(when__gt=since, when__lte=until)
        .aggregate(total=Sum("charged"))["total"]
    )
    return total or ZERO


def refunds_between(account: Account, since: datetime, until: datetime) -> Decimal:
    """Line items whose status turned FAILED / CANCELLED / RETURNED in (since, until] (their
    timeline rows say so): Tango refunded what they were charged."""
    changes = OrderEvent.objects.filter(
        order__account=account,
        kind=OrderEvent.Kind.LINE_ITEM_CHANGED,
        line_item__isnull=False,
        occurred_at__gt=since,
        occurred_at__lte=until,
        details__changes__has_key="status",
    ).values_list("line_item", "details")
    refunded = {
        line
        for line, details in changes
        if details["changes"]["status"][1] in REFUNDED_LINE_STATUSES
        and details["changes"]["status"][0] not in REFUNDED_LINE_STATUSES
    }
    if not refunded:
        return ZERO
    total = LineItem.objects.filter(pk__in=refunded).aggregate(
        total=Sum(Coalesce("amount_charged_total", "amount", output_field=MONEY))
    )["total"]
    return total or ZERO


def funding_between(account: Account, since: datetime, until: datetime) -> Decimal:
    """Transaction events for the account that happened in (since, until]."""
    events = WebhookEvent.objects.annotate(
        when=Coalesce("occurred_at", "received_at"),
    ).filter(
        Q(payload__eventData__accountIdentifier=account.identifier),
        event_type=TransactionPosted.event_type,
        when__gt=since,
        when__lte=until,
    )
    total = ZERO
    for payload in events.values_list("payload", flat=True):
        event = parse_event(payload)
        if isinstance(event, TransactionPosted):
            total += event.signed_amount
    return total
