"""Reconciliation runs and the mismatches they find between our mirror and Tango.

A run compares one date range (Tango's createdAt) window by window; each difference is a
`Mismatch`, kept open until finance resolves it (re-synced, adopted, explained with a note) or a
later run over the same dates no longer finds it (cleared). One open row per difference: a
nightly run that finds it again updates that row rather than adding another.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReconRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        CLEAN = "clean", "Clean"
        MISMATCHES = "mismatches", "Mismatches found"
        FAILED = "failed", "Failed"

    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    windows = models.PositiveIntegerField(default=0)
    orders_compared = models.PositiveIntegerField(default=0)
    line_items_compared = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)  # open differences (new or known; not explained)
    new = models.PositiveIntegerField(default=0)
    cleared = models.PositiveIntegerField(default=0)  # open ones it no longer found
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("run_reconciliation", "Can start a reconciliation run"),
            ("resolve_mismatch", "Can resolve a reconciliation mismatch"),
        ]

    def __str__(self) -> str:
        return f"Reconciliation #{self.pk} {self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"


class Mismatch(models.Model):
    class Kind(models.TextChoices):
        MISSING_HERE = "missing_here", "Missing here"
        MISSING_AT_TANGO = "missing_at_tango", "Missing at Tango"
        ORDER_STATUS = "order_status", "Order status drift"
        LINE_ITEM_STATUS = "line_item_status", "Line-item status drift"
        AMOUNT = "amount", "Amount drift"
        RECIPIENT = "recipient", "Recipient drift"

    class Resolution(models.TextChoices):
        OPEN = "", "Open"
        RESYNCED = "resynced", "Re-synced"
        ADOPTED = "adopted", "Adopted Tango's value"
        EXPLAINED = "explained", "Explained"
        CLEARED = "cleared", "Cleared by a later run"

    first_run = models.ForeignKey(ReconRun, on_delete=models.CASCADE, related_name="+")
    last_run = models.ForeignKey(ReconRun, on_delete=models.CASCADE, related_name="mismatches")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    field = models.CharField(max_length=40, blank=True)  # which value differs
    reference_order_id = models.CharField(max_length=64)
    reference_line_item_id = models.CharField(max_length=80, blank=True)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    line_item = models.ForeignKey(
        "orders.LineItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ordered_at = models.DateTimeField(null=True, blank=True)  # Tango's createdAt (or ours)
    # Recipient values are stored masked (core.masking): this table never holds contact data.
    ours = models.CharField(max_length=200, blank=True)
    theirs = models.CharField(max_length=200, blank=True)
    resolution = models.CharField(
        max_length=10, choices=Resolution.choices, blank=True, default=Resolution.OPEN
    )
    note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "field", "reference_order_id", "reference_line_item_id"],
                condition=models.Q(resolution=""),
                name="recon_one_open_mismatch",
            )
        ]
        indexes = [models.Index(fields=["resolution", "kind"], name="recon_mismatch_open_kind")]

    def __str__(self) -> str:
        what = self.reference_line_item_id or self.reference_order_id
        return f"{self.get_kind_display()} {what} {self.field}".strip()

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.field, self.reference_order_id, self.reference_line_item_id)

    @property
    def is_open(self) -> bool:
        return self.resolution == self.Resolution.OPEN
