"""What the sync health page remembers: each periodic job's runs, the Tango webhook
subscription as last read, and the revision gaps found (and the replays asked for them)."""

from __future__ import annotations

from django.db import models


class SyncJob(models.Model):
    """One beat-scheduled task (by its registered name), recorded from Celery's signals."""

    task = models.CharField(max_length=200, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["task"]
        permissions = [
            ("view_synchealth", "See the sync health page"),
            ("replay_webhook", "Replay a stored webhook event"),
            ("renew_subscription", "Renew the Tango webhook subscription"),
        ]

    def __str__(self) -> str:
        return self.task


class Subscription(models.Model):
    """Our webhook subscription at Tango (the one for TANGO_WEBHOOK_URL), as last read."""

    webhook_id = models.CharField(max_length=64, unique=True)
    url = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    renewed_at = models.DateTimeField(null=True, blank=True)
    # The expiry alert is emailed at most once a day.
    alerted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.webhook_id


class RevisionGap(models.Model):
    """Revisions missing between two received events, and the replay asked from Tango."""

    webhook_id = models.CharField(max_length=64)
    low = models.BigIntegerField()
    high = models.BigIntegerField()
    detected_at = models.DateTimeField()
    replay_requested_at = models.DateTimeField(null=True, blank=True)
    replay_events = models.PositiveIntegerField(default=0)
    replay_error = models.TextField(blank=True)
    filled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["webhook_id", "low", "high"], name="revision_gap_once")
        ]

    def __str__(self) -> str:
        return f"{self.low}-{self.high}" if self.high != self.low else str(self.low)

    @property
    def size(self) -> int:
        return self.high - self.low + 1
