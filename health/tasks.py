"""Beat task: read the webhook subscription (expiry, alert) and fill revision gaps."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.app.task import Task

from core.jobs import retry_task
from health.actions.gaps import fill_gaps
from health.actions.subscription import check_subscription
from tango.errors import TangoUnavailable

logger = logging.getLogger(__name__)


@shared_task(name="health.tasks.check_webhooks", bind=True, max_retries=3)
def check_webhooks(self: Task) -> dict[str, Any]:
    try:
        subscription = check_subscription()
        report = fill_gaps(webhook_id=subscription.webhook_id if subscription else None)
    except TangoUnavailable as exc:
        retry_task(self, exc)
    summary = report.as_dict()
    logger.info("check_webhooks: %s", summary)
    return summary
