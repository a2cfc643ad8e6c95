"""The console banner for accounts under their low-balance threshold (cached briefly)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from finance.balances import low_accounts

CACHE_KEY = "finance:low-balance-banner"
CACHE_SECONDS = 60


def cached_low_accounts() -> list[dict[str, str]]:
    rows = cache.get(CACHE_KEY)
    if rows is None:
        rows = [
            {
                "identifier": a.identifier,
                "balance": f"{a.current_balance:,.2f} {a.currency}",
            }
            for a in low_accounts()
        ]
        cache.set(CACHE_KEY, rows, CACHE_SECONDS)
    return rows


def low_balance_banner(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "low_balances": SimpleLazyObject(
            lambda: (
                cached_low_accounts()
                if user.is_authenticated and user.has_perm("orders.view_account")
                else []
            )
        )
    }
