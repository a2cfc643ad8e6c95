"""The sync health page: jobs from Celery's signals, failed-event replay, renew, banner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from celery import signals
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from health.actions.subscription import check_subscription
from health.models import Subscription, SyncJob
from health.status import banner_problems
from orders.models import Account, WebhookEvent
from orders.tasks.sync import sync_accounts
from tango.types import Webhook
from tests.factories import AccountFactory

SYNC_ACCOUNTS = "orders.tasks.sync.sync_accounts"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def failed_event(account: Account) -> WebhookEvent:
    return WebhookEvent.objects.create(
        event_id="evt-failed-1",
        event_type="AccountStatus",
        body="{}",
        payload={
            "eventType": "AccountStatus",
            "eventData": {"accountIdentifier": account.identifier, "status": "FROZEN"},
        },
        processing_error="OperationalError: server closed the connection unexpectedly",
    )


def test_celery_signals_record_each_beat_jobs_success_and_failure(db):
    signals.task_prerun.send(sender=sync_accounts, task=sync_accounts, task_id="1")
    signals.task_success.send(sender=sync_accounts, result={})
    job = SyncJob.objects.get(task=SYNC_ACCOUNTS)
    assert job.runs == 1 and job.last_success_at is not None and job.failures == 0

    signals.task_failure.send(sender=sync_accounts, exception=RuntimeError("boom"))
    job.refresh_from_db()
    assert (job.runs, job.failures, job.last_error) == (2, 1, "RuntimeError: boom")

    # A task not in the beat schedule is not recorded.
    from orders.tasks.sync import refresh_order_task

    signals.task_success.send(sender=refresh_order_task, result="x")
    assert SyncJob.objects.count() == 1


def test_a_stale_job_puts_the_banner_across_the_console(client, make_user, db):
    SyncJob.objects.create(
        task=SYNC_ACCOUNTS, last_success_at=timezone.now() - timedelta(hours=2), runs=1
    )
    assert banner_problems() and "sync accounts" in banner_problems()[0]
    client.force_login(make_user("Support"))
    page = client.get(reverse("orders:list")).content.decode()
    assert "Sync needs attention:" in page
    assert reverse("health:page") not in page  # Support may not open the page


def test_a_fresh_job_shows_no_banner(db):
    SyncJob.objects.create(task=SYNC_ACCOUNTS, last_success_at=timezone.now(), runs=1)
    assert banner_problems() == []


def test_an_admin_replays_a_failed_event_and_it_is_applied_and_audited(client, make_user, db):
    account = AccountFactory(status="ACTIVE")
    event = failed_event(account)
    client.force_login(make_user("Admin"))
    page = client.get(reverse("health:page")).content.decode()
    assert "evt-failed-1" in page and "server closed the connection" in page

    response = client.post(reverse("health:replay", args=[event.pk]), follow=True)
    assert "applied" in response.content.decode()
    event.refresh_from_db()
    assert event.processed_at is not None
    assert Account.objects.get().status == "FROZEN"
    assert AuditEntry.objects.filter(action=AuditAction.WEBHOOK_REPLAY).count() == 1
    assert "Every stored event was applied." in client.get(reverse("health:page")).content.decode()


def test_a_manager_sees_the_page_with_replay_disabled(client, make_user, db):
    failed_event(AccountFactory())
    client.force_login(make_user("Manager"))
    page = client.get(reverse("health:page")).content.decode()
    assert "Needs the Admin role." in page


def test_subscription_check_alerts_once_a_day_and_renew_is_audited(
    client, make_user, db, fake_tango, settings
):
    settings.SYNC_ALERT_EMAILS = ["ops@example.com"]
    settings.TANGO_WEBHOOK_URL = "https://ops.example/webhooks/tango/"
    soon = datetime.now(UTC) + timedelta(days=2)
    fake_tango.webhooks.append(
        Webhook(webhook_id="wh-1", url=settings.TANGO_WEBHOOK_URL, expires_at=soon)
    )
    check_subscription()
    check_subscription()
    assert len(mail.outbox) == 1 and "expires soon" in mail.outbox[0].subject
    assert any("subscription expires" in p for p in banner_problems())

    client.force_login(make_user("Admin"))
    client.post(reverse("health:renew"))
    subscription = Subscription.objects.get()
    assert subscription.expires_at > soon + timedelta(days=20)
    assert fake_tango.count("renew_webhook") == 1
    entry = AuditEntry.objects.get(action=AuditAction.WEBHOOK_RENEW)
    assert entry.after["expires_at"].startswith(str(subscription.expires_at.date()))
    assert banner_problems() == []
