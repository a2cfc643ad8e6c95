"""Finance's own rows: background export jobs and month-end period closes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ExportJob(models.Model):
    """A large export written by a worker to a private file, downloadable by its owner only,
    until `expires_at` (settings.FINANCE_EXPORT_TTL_HOURS)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)  # finance.exports.specs.KINDS
    file_format = models.CharField(max_length=4)  # csv | xlsx
    query_string = models.CharField(max_length=2000, blank=True)
    # Decided when the job is started, from the owner's permission (re-checked when it runs).
    include_recipients = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)  # under FINANCE_EXPORT_DIR
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"], name="export_job_expires")]

    def __str__(self) -> str:
        return f"{self.kind}.{self.file_format} export #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.done_rows / self.total_rows))


class PeriodClose(models.Model):
    """A closed reporting period: the report's inputs and numbers as they were at the close,
    and what was still open at the period's end. Re-running the report later shows drift
    against this snapshot instead of silently different numbers."""

    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    time_zone = models.CharField(max_length=64)
    rows = models.CharField(max_length=20)  # the report's row dimension
    query_string = models.CharField(max_length=2000, blank=True)  # the report's filter
    # sha256 of (start, end, time zone, rows, filter): one close per report and period.
    key = models.CharField(max_length=64, unique=True)
    snapshot = models.JSONField(default=dict)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-period_start", "-closed_at"]
        permissions = [("close_period", "Can close a reporting period (month-end)")]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m-%d} to {self.period_end:%Y-%m-%d} ({self.time_zone})"


class BalanceThreshold(models.Model):
    """An account's low-balance threshold: under it, a banner and a daily email."""

    account = models.OneToOneField(
        "orders.Account", on_delete=models.CASCADE, related_name="balance_threshold"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The low-balance email goes out at most once a day per account.
    alerted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.account_id} under {self.amount}"


class BalanceReading(models.Model):
    """A balance read from Tango, checked against the previous one: previous - charges +
    refunds + funding (Transaction events) should equal it; `flagged` when it does not."""

    account = models.ForeignKey(
        "orders.Account", on_delete=models.CASCADE, related_name="balance_readings"
    )
    balance = models.DecimalField(max_digits=14, decimal_places=2)
    read_at = models.DateTimeField()
    previous_balance = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    previous_read_at = models.DateTimeField(null=True)
    charges = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    refunds = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    funding = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    expected = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    difference = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["-read_at", "-id"]
        indexes = [models.Index(fields=["account", "-read_at"], name="balance_reading_latest")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.balance} at {self.read_at:%Y-%m-%d %H:%M}"
