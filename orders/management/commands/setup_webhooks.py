"""Subscribe TANGO_WEBHOOK_URL to Tango's (or the simulator's) webhooks, signed with HMAC.

Idempotent: does nothing when a subscription for the URL exists already, and refuses (with a
message, exit status 0) when no usable secret is configured, since the endpoint rejects
unsigned events anyway.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from orders.webhooks import SUBSCRIBED_EVENT_TYPES
from tango.client import get_client
from tango.errors import TangoError
from tango.webhooks import signing_key


class Command(BaseCommand):
    help = "Create the Tango webhook subscription for TANGO_WEBHOOK_URL (HMAC-signed)."

    def handle(self, *args: Any, **options: Any) -> None:
        url = settings.TANGO_WEBHOOK_URL
        if not url:
            self.stdout.write("TANGO_WEBHOOK_URL is empty; no webhook subscription created.")
            return
        if signing_key() is None:
            self.stdout.write(
                "TANGO_WEBHOOK_SECRET is not set (or not base64); no webhook subscription "
                'created. Set it to a base64 key, e.g. `python -c "import base64, os; '
                'print(base64.b64encode(os.urandom(32)).decode())"`.'
            )
            return
        client = get_client()
        try:
            existing = [hook for hook in client.list_webhooks() if hook.url == url]
            if existing:
                self.stdout.write(f"Already subscribed: {url} (webhook {existing[0].webhook_id}).")
                return
            webhook = client.create_webhook(
                url=url,
                hmac_secret_b64=settings.TANGO_WEBHOOK_SECRET.strip(),
                event_types=list(SUBSCRIBED_EVENT_TYPES),
            )
        except TangoError as exc:
            raise CommandError(f"Could not set up the webhook subscription: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Subscribed {url} to {', '.join(SUBSCRIBED_EVENT_TYPES)} "
                f"(webhook {webhook.webhook_id}, expires {webhook.expires_at or 'unknown'})."
            )
        )
