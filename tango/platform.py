"""Tango's platform endpoints: accounts, customers, the catalog, webhook subscriptions.

The half of TangoClient that reads reference data and manages subscriptions (TANGO_API.md §13.1,
§14); orders, line items and async orders are in client.py. Same rules: frozen dataclasses out,
typed errors, no retries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from .transport import TangoTransport, encode_query, quote_segment
from .types import (
    CatalogBrand,
    ExchangeRate,
    TangoAccount,
    TangoCustomer,
    Webhook,
    WebhookReplay,
)

_T = TypeVar("_T")


class PlatformEndpoints(TangoTransport):
    # --- accounts, customers, catalog (§14) --------------------------------------------------

    def list_accounts(self) -> tuple[TangoAccount, ...]:
        # Unpaginated by default (a JSON array); tolerate the paginated envelope too.
        return _parse_items(self._get("/accounts"), TangoAccount.from_json)

    def get_account(self, account_identifier: str) -> TangoAccount:
        data = self._get(f"/accounts/{quote_segment(account_identifier)}")
        return TangoAccount.from_json(self._object(data))

    def list_customers(self) -> tuple[TangoCustomer, ...]:
        return _parse_items(self._get("/customers"), TangoCustomer.from_json)

    def get_catalog(self) -> tuple[CatalogBrand, ...]:
        """GET /catalogs (Tango: at most ~twice a day, never per order)."""
        data = self._object(self._get("/catalogs"))
        return tuple(
            CatalogBrand.from_json(brand)
            for brand in data.get("brands") or ()
            if isinstance(brand, Mapping)
        )

    def get_exchange_rates(
        self, *, reward_currency: str | None = None, base_currency: str | None = None
    ) -> tuple[ExchangeRate, ...]:
        """GET /exchangerates (§14.3), unpaginated; filtered to one reward and/or base
        (account) currency when given. Tango lists only cross-currency pairs."""
        data = self._object(
            self._get(
                "/exchangerates",
                reward_currency=reward_currency.upper() if reward_currency else None,
                base_currency=base_currency.upper() if base_currency else None,
            )
        )
        return tuple(
            ExchangeRate.from_json(item)
            for item in data.get("exchangeRates") or ()
            if isinstance(item, Mapping)
        )

    # --- webhooks (§13.1) --------------------------------------------------------------------

    def create_webhook(
        self, *, url: str, hmac_secret_b64: str, event_types: Sequence[str]
    ) -> Webhook:
        body = {
            "url": url,
            "event_types": list(event_types),
            "payload_verification_method": "HMAC",
            "hmac_shared_secret_key": hmac_secret_b64,
        }
        _, data = self._post("/webhooks", body)
        return Webhook.from_json(self._object(data), url=url)

    def list_webhooks(self) -> tuple[Webhook, ...]:
        """GET /webhooks, following ``nextCursor`` through every page."""
        webhooks: list[Webhook] = []
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            data = self._object(self._get("/webhooks", max_results=200, next_cursor=cursor))
            webhooks.extend(
                Webhook.from_json(item)
                for item in data.get("items") or ()
                if isinstance(item, Mapping)
            )
            cursor = data.get("nextCursor")
            if not data.get("nextPageAvailable") or not cursor or cursor in seen:
                return tuple(webhooks)
            seen.add(cursor)

    def get_webhook(self, webhook_id: str) -> Webhook:
        """GET /webhooks/{id}: the subscription, with when it expires."""
        return Webhook.from_json(self._object(self._get(f"/webhooks/{quote_segment(webhook_id)}")))

    def renew_webhook(self, webhook_id: str) -> Webhook:
        """POST /webhooks/{id}/renew: a new expiry (Tango answers {webhookId, expiresAt})."""
        _, data = self._post(f"/webhooks/{quote_segment(webhook_id)}/renew", {})
        return Webhook.from_json(self._object(data))

    def replay_webhook_events(
        self, webhook_id: str, *, from_revision: int, to_revision: int | None = None
    ) -> WebhookReplay:
        """POST /webhooks/{id}/replay?fromRevision=&toRevision=: redeliver stored events (up to
        90 days back), delivered and signed like new ones; they dedupe by eventId here."""
        query = encode_query({"from_revision": from_revision, "to_revision": to_revision})
        _, data = self._call(
            "POST", f"/webhooks/{quote_segment(webhook_id)}/replay", params=query, body={}
        )
        return WebhookReplay.from_json(self._object(data))


def _parse_items(data: Any, parse: Callable[[Mapping[str, Any]], _T]) -> tuple[_T, ...]:
    """A JSON array, or the paginated envelope's ``items``, parsed item by item."""
    items = data.get("items", []) if isinstance(data, Mapping) else data
    return tuple(parse(item) for item in items or () if isinstance(item, Mapping))
