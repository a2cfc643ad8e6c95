"""The simulator object: settings, runtime config, storage, webhooks, limits and counters."""

from __future__ import annotations

from typing import Any

from . import scenarios
from .config import RuntimeConfig, Settings
from .faults import FaultInjector, Stats, TokenBucket
from .seed import seed
from .store import Store
from .webhooks import WebhookService


class Simulator:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.config = RuntimeConfig(settings.initial)
        self.store = Store(settings.data_path)
        self.stats = Stats()
        self.webhooks = WebhookService(self)
        self.limiter = TokenBucket()
        self.faults = FaultInjector()
        # (accountIdentifier, source, externalRefID) of creations still in flight.
        self.inflight: set[tuple[str, str, str]] = set()
        self._account_numbers: dict[str, str] = {}
        self.store.before_each = lambda: scenarios.apply_due(self)

    def start(self) -> None:
        with self.store.transaction(apply_due=False):
            if self.store.kv_get("seeded") != "1":
                seed(self.store)
            self.webhooks.ensure_default()
        self.webhooks.start()

    def stop(self) -> None:
        self.webhooks.stop()
        self.store.close()

    def reset(self) -> None:
        """Wipe everything, reseed, restore startup config, clock offset and counters."""
        self.webhooks.forget_queue()
        self.config.restore()
        self.limiter.reset()
        self.faults.reset()
        self.stats.clear()
        self._account_numbers.clear()
        with self.store.transaction(apply_due=False):
            self.store.wipe()
            seed(self.store)
            self.webhooks.ensure_default()

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        applied = self.config.update(changes)
        if {"webhook_url", "webhook_secret"} & applied.keys():
            with self.store.transaction():
                self.webhooks.ensure_default()
        if "order_tps" in applied:
            self.limiter.reset()
        if "faults" in applied:
            self.faults.reset()  # same faults config -> same sequence of decisions
        return applied

    def account_number(self, account_id: str) -> str | None:
        if account_id not in self._account_numbers:
            number = self.store.scalar(
                "SELECT account_number FROM accounts WHERE identifier = ?", (account_id,)
            )
            if number is None:
                return None
            self._account_numbers[account_id] = str(number)
        return self._account_numbers[account_id]
