"""FakeTango's webhook-subscription half: GET /webhooks/{id}, renew and replay (§13.1).

Mixed into FakeTango. Tests program it through `webhooks` (the subscriptions, FakeTango's
list), `webhook_events` (the envelopes Tango stored, each with its `revision`, as the simulator
keeps them per subscription) and `deliver` (called with each replayed envelope, e.g. to POST it
to our endpoint); `renew_days` is how long a renewal lasts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tango.errors import TangoNotFound
from tango.types import Webhook, WebhookReplay


@dataclass
class FakeWebhookAPI:
    webhook_events: list[dict[str, Any]] = field(default_factory=list)
    deliver: Callable[[dict[str, Any]], Any] | None = None
    renew_days: int = 30

    if TYPE_CHECKING:  # FakeTango's
        webhooks: list[Webhook]

        def _record(self, name: str, **kwargs: Any) -> None: ...

    def _webhook(self, webhook_id: str) -> Webhook:
        for hook in self.webhooks:
            if hook.webhook_id == webhook_id:
                return hook
        raise TangoNotFound(f"Webhook '{webhook_id}' not found", status_code=404)

    def get_webhook(self, webhook_id: str) -> Webhook:
        self._record("get_webhook", webhook_id=webhook_id)
        return self._webhook(webhook_id)

    def renew_webhook(self, webhook_id: str) -> Webhook:
        self._record("renew_webhook", webhook_id=webhook_id)
        hook = self._webhook(webhook_id)
        renewed = replace(hook, expires_at=datetime.now(UTC) + timedelta(days=self.renew_days))
        self.webhooks[self.webhooks.index(hook)] = renewed
        return renewed

    def replay_webhook_events(
        self, webhook_id: str, *, from_revision: int, to_revision: int | None = None
    ) -> WebhookReplay:
        self._record(
            "replay_webhook_events",
            webhook_id=webhook_id,
            from_revision=from_revision,
            to_revision=to_revision,
        )
        self._webhook(webhook_id)
        chosen = [
            event
            for event in self.webhook_events
            if event["revision"] >= from_revision
            and (to_revision is None or event["revision"] <= to_revision)
        ]
        for event in chosen:
            if self.deliver is not None:
                self.deliver(event)
        return WebhookReplay(
            webhook_id=webhook_id,
            from_revision=from_revision,
            to_revision=to_revision,
            number_of_events=len(chosen),
        )
