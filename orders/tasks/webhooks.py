"""Webhook processing task: the endpoint stores the event and enqueues this after commit."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.app.task import Task

from core.jobs import retry_task
from orders import webhooks
from orders.models import WebhookEvent
from tango.errors import TangoUnavailable

logger = logging.getLogger(__name__)


@shared_task(
    name="orders.tasks.webhooks.process_webhook_event",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=8,
)
def process_webhook_event(self: Task, webhook_event_id: int) -> str:
    try:
        return webhooks.process_webhook_event(webhook_event_id=webhook_event_id)
    except TangoUnavailable as exc:
        retry_task(self, exc)
    except WebhookEvent.DoesNotExist:
        logger.error("webhook event %s does not exist", webhook_event_id)
        return "missing"
    except Exception as exc:
        # Keep the reason on the stored event for staff; nothing was applied (rolled back).
        logger.exception("webhook event %s failed to process", webhook_event_id)
        WebhookEvent.objects.filter(pk=webhook_event_id, processed_at__isnull=True).update(
            processing_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        retry_task(self, exc)
