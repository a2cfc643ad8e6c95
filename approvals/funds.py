"""What a selection of waiting orders would spend, per account, against its balance.

The queue shows it for the rows a manager selected, and approving past an account's current
balance needs a confirmation (approvals.actions.decide.approve_requests). The spend is the
face value plus the catalog's fee when the catalog knows it (`fee_type` / `fee_value` on the
catalog item: FIXED in the account currency, PERCENTAGE of the amount); an order in another
currency than its account cannot be priced without Tango's exchange rate, so it is listed as
not converted instead of being added to a different currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from approvals.models import ApprovalRequest
from orders.models import Account, CatalogItem

CENT = Decimal("0.01")


def catalog_fee(item: CatalogItem | None, amount: Decimal) -> Decimal | None:
    """The catalog's fee for one reward of `amount` (None when the catalog says nothing)."""
    fee_type = (getattr(item, "fee_type", "") or "").upper()
    fee_value = getattr(item, "fee_value", None)
    if item is None or fee_value is None or not fee_type:
        return None
    if fee_type == "PERCENTAGE":
        return (amount * Decimal(fee_value) / 100).quantize(CENT)
    return Decimal(fee_value).quantize(CENT)


@dataclass
class AccountSpend:
    account: Account
    orders: int = 0
    face_value: Decimal = Decimal("0.00")
    fees: Decimal = Decimal("0.00")
    fees_known: bool = True  # False when an order's reward has no fee in the catalog
    not_converted: list[str] = field(default_factory=list)  # "25.00 EUR" of other currencies

    @property
    def currency(self) -> str:
        return self.account.currency

    @property
    def total(self) -> Decimal:
        return self.face_value + self.fees

    @property
    def balance(self) -> Decimal:
        return self.account.current_balance

    @property
    def balance_synced_at(self) -> datetime | None:
        return self.account.balance_synced_at

    @property
    def balance_after(self) -> Decimal:
        return self.balance - self.total

    @property
    def exceeds_balance(self) -> bool:
        return self.total > self.balance

    @property
    def warning(self) -> str:
        return (
            f"Approving these would spend {self.total:,.2f} {self.currency} from account "
            f"{self.account.identifier}, more than its balance of {self.balance:,.2f} "
            f"{self.currency}."
        )


def selection_spend(requests: Iterable[ApprovalRequest]) -> list[AccountSpend]:
    """Per account (in the order first met), what approving `requests` would spend.

    Expects each request's order with its account and line items (with catalog items)
    fetched: see ApprovalRequest.objects.for_queue().
    """
    spends: dict[int, AccountSpend] = {}
    for request in requests:
        order = request.order
        spend = spends.setdefault(order.account_id, AccountSpend(account=order.account))
        spend.orders += 1
        if order.currency != order.account.currency:
            spend.not_converted.append(f"{order.amount:,.2f} {order.currency}")
            continue
        spend.face_value += order.amount
        for line in order.line_items.all():
            fee = catalog_fee(line.catalog_item, line.amount)
            if fee is None:
                spend.fees_known = False
            else:
                spend.fees += fee
    return list(spends.values())


def over_balance(spends: Iterable[AccountSpend]) -> list[AccountSpend]:
    return [spend for spend in spends if spend.exceeds_balance]
