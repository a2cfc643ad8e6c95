"""Our Tango webhook subscription: read its expiry, renew it (audited), alert before it lapses.

An expired subscription means Tango stops sending events at all, silently. The check finds the
subscription for TANGO_WEBHOOK_URL, stores when it expires and, when that is within
WEBHOOK_EXPIRY_ALERT_DAYS, emails SYNC_ALERT_EMAILS at most once a day (the page and the
console banner say it too).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit.records import record
from core.actor import Actor
from health.actions.auditing import WEBHOOK_RENEW
from health.models import Subscription
from tango.client import get_client

logger = logging.getLogger(__name__)

ALERT_EVERY = timedelta(days=1)


def alert_window() -> timedelta:
    return timedelta(days=float(getattr(settings, "WEBHOOK_EXPIRY_ALERT_DAYS", 7)))


def expiring_soon(subscription: Subscription | None, now: datetime | None = None) -> bool:
    if subscription is None or subscription.expires_at is None:
        return False
    return subscription.expires_at - (now or timezone.now()) < alert_window()


def check_subscription(*, now: datetime | None = None) -> Subscription | None:
    """Read our subscription from Tango and store it; alert when it expires soon."""
    now = now or timezone.now()
    url = settings.TANGO_WEBHOOK_URL
    client = get_client()
    hook = next((h for h in client.list_webhooks() if h.url == url), None)
    if hook is None:
        logger.warning("no Tango webhook subscription for %s (run setup_webhooks)", url)
        return None
    hook = client.get_webhook(hook.webhook_id)
    subscription, _ = Subscription.objects.update_or_create(
        webhook_id=hook.webhook_id,
        defaults={"url": hook.url or url, "expires_at": hook.expires_at, "checked_at": now},
    )
    if expiring_soon(subscription, now):
        _alert(subscription, now)
    return subscription


def _alert(subscription: Subscription, now: datetime) -> None:
    recipients = list(getattr(settings, "SYNC_ALERT_EMAILS", []) or [])
    if not recipients:
        return
    claimed = (
        Subscription.objects.filter(pk=subscription.pk)
        .exclude(alerted_at__gt=now - ALERT_EVERY)
        .update(alerted_at=now)
    )
    if not claimed:
        return
    expires = subscription.expires_at
    send_mail(
        "Tango webhook subscription expires soon",
        f"The Tango webhook subscription {subscription.webhook_id} for {subscription.url} "
        f"expires at {expires:%Y-%m-%d %H:%M} UTC. Renew it on the sync health page, or "
        "Tango stops sending events.",
        None,
        recipients,
    )


def renew_subscription(*, subscription: Subscription, actor: Actor) -> Subscription:
    """POST /webhooks/{id}/renew, then store the new expiry (audited)."""
    before = subscription.expires_at
    hook = get_client().renew_webhook(subscription.webhook_id)
    now = timezone.now()
    with transaction.atomic():
        subscription.expires_at = hook.expires_at
        subscription.renewed_at = now
        subscription.checked_at = now
        subscription.alerted_at = None
        subscription.save(update_fields=["expires_at", "renewed_at", "checked_at", "alerted_at"])
        record(
            actor=actor,
            action=WEBHOOK_RENEW,
            obj=subscription,
            before={"expires_at": before.isoformat() if before else None},
            after={"expires_at": hook.expires_at.isoformat() if hook.expires_at else None},
        )
    return subscription
