"""Replay one stored webhook event that failed to apply (staff button, audited).

Runs the same processing the worker runs (orders.webhooks.process_webhook_event), at once, so
the person sees the result: applied, or the new error kept on the event.
"""

from __future__ import annotations

import logging

from django.db import transaction

from audit.records import record
from core.actor import Actor
from core.errors import ActionNotAllowed
from health.actions.auditing import WEBHOOK_REPLAY
from orders.models import WebhookEvent
from orders.webhooks import process_webhook_event

logger = logging.getLogger(__name__)


def replay_event(*, event: WebhookEvent, actor: Actor) -> str:
    if event.processed_at is not None:
        raise ActionNotAllowed("This event was already applied.")
    with transaction.atomic():
        record(
            actor=actor,
            action=WEBHOOK_REPLAY,
            obj=event,
            before={"processing_error": event.processing_error[:500]},
        )
    try:
        outcome = process_webhook_event(webhook_event_id=event.pk)
    except Exception as exc:
        logger.exception("replay of webhook event %s failed", event.pk)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        WebhookEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
            processing_error=error
        )
        return f"failed again: {error}"
    return outcome
