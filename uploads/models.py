"""A bulk-order upload, its rows (each with every problem the dry run found) and the ledger of
rows placed, whose unique externalRefID is what keeps a row from being placed twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models

MONEY = {"max_digits": 12, "decimal_places": 2}


class Upload(models.Model):
    class Status(models.TextChoices):
        CHECKING = "checking", "Dry run in progress"
        CHECKED = "checked", "Dry run finished"
        FAILED = "failed", "Dry run failed"
        PLACING = "placing", "Placing orders"
        PLACED = "placed", "Orders placed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploads"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4)  # csv | tsv | xlsx
    encoding = models.CharField(max_length=40, blank=True)  # as detected; "" for xlsx
    headers = models.JSONField(default=list)  # the file's own header row
    keys = models.JSONField(default=list)  # each header's template column ("" = ignored)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKING)
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    placed_rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Upload {self.pk} ({self.filename})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.PLACING:
            chosen = self.summary.get("selected", self.summary.get("valid", 0))
            done, total = self.placed_rows, chosen or 1
        else:
            done, total = self.checked_rows, self.total_rows or 1
        return min(100, round(100 * done / total))


class UploadRow(models.Model):
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # the line (CSV) or sheet row (XLSX) in the file
    cells = models.JSONField(default=list)  # the original cells, in the file's column order
    # Deterministic: the same row (account, content, client reference) always gets the same id,
    # in this file or another one (uploads.actions.upload.row_external_ref_id).
    external_ref_id = models.CharField(max_length=100, db_index=True)
    problems = models.JSONField(default=list, blank=True)  # [{"kind", "field", "message"}]
    warnings = models.JSONField(default=list, blank=True)  # same shape; do not block placing
    checked = models.BooleanField(default=False)
    valid = models.BooleanField(default=False)
    approval = models.CharField(max_length=500, blank=True)  # why it would wait, if it would
    # The policy's verdict for this row, as the dry run saw it and as confirm fixes it for the
    # whole selection (one batch): rules hit [{"code", "message"}] and approvals needed (0-2).
    rules = models.JSONField(default=list, blank=True)
    approvals_needed = models.PositiveSmallIntegerField(default=0)
    selected = models.BooleanField(default=False)  # chosen at confirm: to be placed
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    account = models.ForeignKey(
        "orders.Account", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Its order: one per row, or a bulk (async) order carrying many rows, one line item each
    # (that line's externalRefLineItemID is the row's externalRefID).
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="upload_rows",
    )

    class Meta:
        ordering = ["upload", "number"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "number"], name="upload_row_number_unique")
        ]

    def __str__(self) -> str:
        return f"Row {self.number} of upload {self.upload_id}"


class PlacedRow(models.Model):
    """One per externalRefID ever placed from an upload: the unique key is the guarantee."""

    external_ref_id = models.CharField(max_length=100, unique=True)
    row = models.OneToOneField(UploadRow, on_delete=models.PROTECT, related_name="placement")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.external_ref_id


class ColumnMapping(models.Model):
    """How a file's headers (one set of them) map to the template's columns, remembered."""

    header_set = models.CharField(max_length=64, unique=True)  # sha256 of the header row
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)  # file header -> template column ("-": ignore)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return ", ".join(self.headers)[:100]
