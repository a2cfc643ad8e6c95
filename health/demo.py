"""The sync health demo (`seed_demo`): one stored webhook event that failed to apply, for an
admin to replay, and the webhook subscription read from the simulator when it has one."""

from __future__ import annotations

import json
import logging
import uuid

from django.utils import timezone

from health.actions.subscription import check_subscription
from orders.models import WebhookEvent
from tango.errors import TangoError

logger = logging.getLogger(__name__)

DEMO_ERROR = "OperationalError: server closed the connection unexpectedly (demo)"


def seed_health_demo() -> int:
    """Returns how many failed events were stored (none when one is waiting already)."""
    try:
        check_subscription()
    except TangoError as exc:
        logger.warning("health demo: Tango not reachable (%s)", exc)
    if WebhookEvent.objects.filter(processing_error=DEMO_ERROR, processed_at__isnull=True):
        return 0
    payload = {
        "eventId": f"demo-{uuid.uuid4()}",
        "revision": None,
        "category": "ACCOUNT",
        "eventType": "AccountStatus",
        "eventOccurredAt": timezone.now().isoformat(),
        "eventData": {"accountIdentifier": "acme-usd-02", "status": "ACTIVE"},
    }
    WebhookEvent.objects.create(
        event_id=payload["eventId"],
        category="ACCOUNT",
        event_type="AccountStatus",
        occurred_at=timezone.now(),
        body=json.dumps(payload),
        payload=payload,
        processing_error=DEMO_ERROR,
    )
    return 1
