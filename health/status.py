"""What the sync health page and the console banner show, read from the database only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from health.actions.subscription import expiring_soon
from health.models import RevisionGap, Subscription, SyncJob
from health.signals import scheduled_tasks
from orders.models import Order, WebhookEvent

FAILED_EVENTS_SHOWN = 100


def stale_after() -> timedelta:
    return timedelta(minutes=float(getattr(settings, "SYNC_STALE_AFTER_MINUTES", 30)))


def duration_text(seconds: float) -> str:
    """3725 -> "1 h 2 min"; 45 -> "45 s"; 90000 -> "1 d 1 h"."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [(days, "d"), (hours, "h"), (minutes, "min")]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return " ".join(shown)


@dataclass
class JobHealth:
    task: str
    every: float
    job: SyncJob | None
    now: datetime

    @property
    def short_name(self) -> str:
        return self.task.rsplit(".", 1)[-1].replace("_", " ")

    @property
    def last_success(self) -> datetime | None:
        return self.job.last_success_at if self.job else None

    @property
    def every_text(self) -> str:
        return duration_text(self.every)

    @property
    def lag_text(self) -> str:
        return duration_text(self.lag.total_seconds()) if self.lag is not None else ""

    @property
    def lag(self) -> timedelta | None:
        return self.now - self.last_success if self.last_success else None

    @property
    def allowed_lag(self) -> timedelta:
        """Stale when the last success is older than three intervals and the threshold."""
        return max(stale_after(), timedelta(seconds=3 * self.every))

    @property
    def stale(self) -> bool:
        return self.lag is not None and self.lag > self.allowed_lag

    @property
    def failing(self) -> bool:
        job = self.job
        return bool(
            job
            and job.last_failure_at
            and (job.last_success_at is None or job.last_failure_at > job.last_success_at)
        )


def jobs(now: datetime | None = None) -> list[JobHealth]:
    now = now or timezone.now()
    rows = {job.task: job for job in SyncJob.objects.all()}
    return [
        JobHealth(task=task, every=every, job=rows.get(task), now=now)
        for task, every in sorted(scheduled_tasks().items())
    ]


def webhook_counts() -> list[dict]:
    return list(
        WebhookEvent.objects.values("event_type")
        .annotate(count=Count("id"), last=Max("received_at"))
        .order_by("event_type")
    )


def failed_events():
    return WebhookEvent.objects.filter(processed_at__isnull=True).exclude(processing_error="")


def subscription() -> Subscription | None:
    return Subscription.objects.order_by("-checked_at").first()


def page_context(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    sub = subscription()
    stuck = Order.objects.stuck(now).select_related("account").order_by("tango_created_at")
    return {
        "jobs": jobs(now),
        "webhook_counts": webhook_counts(),
        "failed_events": failed_events().order_by("-received_at")[:FAILED_EVENTS_SHOWN],
        "failed_count": failed_events().count(),
        "subscription": sub,
        "subscription_expiring": expiring_soon(sub, now),
        "open_gaps": RevisionGap.objects.filter(filled_at__isnull=True)[:50],
        "recent_gaps": RevisionGap.objects.filter(filled_at__isnull=False)[:20],
        "stuck_orders": stuck[:100],
        "stuck_count": stuck.count(),
        "stale_after": duration_text(stale_after().total_seconds()),
        "now": now,
    }


def banner_problems(now: datetime | None = None) -> list[str]:
    """Short reasons for the console banner (empty when sync looks healthy)."""
    now = now or timezone.now()
    problems = [
        f"{job.short_name} last succeeded {job.lag_text} ago" for job in jobs(now) if job.stale
    ]
    sub = subscription()
    if expiring_soon(sub, now):
        assert sub is not None and sub.expires_at is not None
        if sub.expires_at <= now:
            problems.append("the Tango webhook subscription has expired")
        else:
            problems.append(f"the Tango webhook subscription expires {sub.expires_at:%Y-%m-%d}")
    return problems
