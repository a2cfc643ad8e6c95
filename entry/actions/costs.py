"""What an entered order would cost, before it is submitted (the form's cost preview).

Face value in the reward's currency; the fee from the catalog, as approvals computes it
(approvals.funds.catalog_fee: FIXED in the account currency, PERCENTAGE of the amount
charged); the amount charged in the account's currency, converted with Tango's own rate
(GET /exchangerates, the rate Tango charges with) when the reward is in another currency;
and the account's balance after it. It reads; it writes nothing. When Tango cannot be asked
the preview says so and leaves the converted amounts out rather than guess a rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache

from approvals.funds import catalog_fee
from orders.actions.validation import parse_amount
from orders.models import Account, CatalogItem
from tango import TangoError, get_client

CENT = Decimal("0.01")


@dataclass(frozen=True)
class CostPreview:
    account: Account
    item: CatalogItem
    face_value: Decimal  # in item.currency
    rate: Decimal | None  # one unit of the reward currency in the account currency
    rate_as_of: datetime | None
    fee: Decimal | None  # in the account currency; None: the catalog has no fee
    rate_problem: str = ""

    @property
    def reward_currency(self) -> str:
        return self.item.currency

    @property
    def currency(self) -> str:
        return self.account.currency

    @property
    def cross_currency(self) -> bool:
        return self.item.currency.upper() != self.account.currency.upper()

    @property
    def converted(self) -> Decimal | None:
        """The face value in the account's currency."""
        if self.rate is None:
            return None
        return (self.face_value * self.rate).quantize(CENT)

    @property
    def charged(self) -> Decimal | None:
        if self.converted is None:
            return None
        return self.converted + (self.fee or Decimal("0.00"))

    @property
    def balance(self) -> Decimal:
        return self.account.current_balance

    @property
    def balance_after(self) -> Decimal | None:
        return None if self.charged is None else self.balance - self.charged

    @property
    def exceeds_balance(self) -> bool:
        return self.charged is not None and self.charged > self.balance


def preview_cost(
    *, account: Account | None, item: CatalogItem | None, amount: str | Decimal
) -> CostPreview | None:
    """The preview, or None until an account, a reward and a valid amount are entered."""
    value = parse_amount(amount) if str(amount or "").strip() else None
    if account is None or item is None or value is None:
        return None
    rate, as_of, problem = Decimal("1"), None, ""
    if item.currency.upper() != account.currency.upper():
        rate, as_of, problem = _tango_rate(item.currency, account.currency)
    fee = None
    if rate is not None:
        fee = catalog_fee(item, (value * rate).quantize(CENT))
    return CostPreview(
        account=account,
        item=item,
        face_value=value,
        rate=rate,
        rate_as_of=as_of,
        fee=fee,
        rate_problem=problem,
    )


# Each preview (every change of amount or reward) would otherwise call Tango once.
RATE_CACHE_SECONDS = 300


def _tango_rate(reward: str, base: str) -> tuple[Decimal | None, datetime | None, str]:
    key = f"entry:fx:{reward.upper()}:{base.upper()}"
    cached = cache.get(key)
    if cached is not None:
        return cached[0], cached[1], ""
    found = _read_rate(reward, base)
    if found[0] is not None:  # only a rate is kept; a failure is asked again next time
        cache.set(key, found[:2], RATE_CACHE_SECONDS)
    return found


def _read_rate(reward: str, base: str) -> tuple[Decimal | None, datetime | None, str]:
    try:
        rates = get_client().get_exchange_rates(reward_currency=reward, base_currency=base)
    except TangoError as exc:
        return None, None, f"Tango's exchange rate could not be read ({exc.__class__.__name__})."
    for rate in rates:
        pair = (rate.reward_currency, rate.base_currency)
        if pair == (reward.upper(), base.upper()) and rate.base_fx and rate.base_fx > 0:
            return rate.base_fx, rate.last_modified, ""
    return None, None, f"Tango has no exchange rate from {reward} to {base}."
