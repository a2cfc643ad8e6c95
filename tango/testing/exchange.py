"""FakeTango's GET /exchangerates: the simulator's fixed rates unless a test sets others.

Mixed into FakeTango (fake.py). `exchange_rates` maps (reward currency, base currency) to
baseFx, what one unit of the reward currency costs in the account's currency; like Tango it
lists only cross-currency pairs. Tests change the dict, or make the call fail through
`errors["get_exchange_rates"]` like any other method.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tango.types import ExchangeRate

from .payloads import iso

# tango_sim/seed.py's EXCHANGE_RATES: the rates the simulator charges with.
DEFAULT_RATES = {("USD", "EUR"): Decimal("0.92"), ("EUR", "USD"): Decimal("1.087")}
RATES_MODIFIED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class FakeExchangeRates:
    exchange_rates: dict[tuple[str, str], Decimal] = field(
        default_factory=lambda: dict(DEFAULT_RATES)
    )

    def _record(self, name: str, **kwargs: Any) -> None:  # FakeTango's
        raise NotImplementedError

    def get_exchange_rates(
        self, *, reward_currency: str | None = None, base_currency: str | None = None
    ) -> tuple[ExchangeRate, ...]:
        self._record(
            "get_exchange_rates", reward_currency=reward_currency, base_currency=base_currency
        )
        return tuple(
            ExchangeRate.from_json(
                {
                    "rewardCurrency": reward,
                    "baseCurrency": base,
                    "baseFx": str(rate),
                    "lastModifiedDate": iso(RATES_MODIFIED),
                }
            )
            for (reward, base), rate in sorted(self.exchange_rates.items())
            if reward != base
            and (not reward_currency or reward == reward_currency.upper())
            and (not base_currency or base == base_currency.upper())
        )
