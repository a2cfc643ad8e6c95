"""One table for every staff action: who, what, when, on which object, before/after, why, IP.

`AuditAction` is the vocabulary: every action string an audit row can carry. A new action
adds its value here (a choices-only migration), so the audit page's filter and a report can
list them all.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    ORDER_CREATE = "order.create", "Order created"
    ORDER_CREATE_BULK = "order.create_bulk", "Bulk order created"
    ORDER_SUBMIT = "order.submit", "Order submitted"
    ORDER_HOLD = "order.hold", "Order held"
    ORDER_RELEASE = "order.release", "Order released"
    ORDER_REFRESH = "order.refresh", "Order refreshed from Tango"
    ORDER_NOTE = "order.note", "Note added"
    RECIPIENT_UNMASK = "recipient.unmask", "Recipient contact data shown"
    LINE_ITEM_RESEND = "line_item.resend", "Resend requested"
    CREDENTIAL_REVEAL = "credential.reveal", "Credential revealed"
    LINE_ITEM_CANCEL = "line_item.cancel", "Reward cancelled"
    LINE_ITEM_FREEZE = "line_item.freeze", "Reward frozen"
    LINE_ITEM_UNFREEZE = "line_item.unfreeze", "Reward unfrozen"
    SAVED_VIEW_CREATE = "saved_view.create", "Saved view created"
    SAVED_VIEW_DELETE = "saved_view.delete", "Saved view deleted"
    BULK_RESEND = "bulk.resend", "Bulk resend started"
    BULK_RELEASE = "bulk.release", "Bulk release started"
    # finance: every export (served at once, started as a job, downloaded) and period close.
    EXPORT_CSV = "export.csv", "CSV exported"
    EXPORT_XLSX = "export.xlsx", "XLSX exported"
    EXPORT_JOB = "export.job", "Background export started"
    EXPORT_DOWNLOAD = "export.download", "Background export downloaded"
    PERIOD_CLOSE = "period.close", "Reporting period closed"
    # approvals: maker-checker on orders, and the policy that decides what waits.
    APPROVAL_REQUEST = "approval.request", "Order sent to approval"
    APPROVAL_APPROVE = "approval.approve", "Order approved"
    APPROVAL_REJECT = "approval.reject", "Order rejected"
    APPROVAL_VOID = "approval.void", "Approval voided by an edit"
    APPROVAL_EXPIRE = "approval.expire", "Approval request expired"
    APPROVAL_POLICY_CHANGE = "approval.policy_change", "Approval policy changed"
    ORDER_EDIT = "order.edit", "Order edited"
    # entry: follow-ups of placed orders.
    ORDER_REORDER = "order.reorder", "Failed rewards re-ordered"
    LINE_ITEM_REISSUE = "line_item.reissue", "Reward reissued"
    # uploads: a bulk-order file checked (dry run) and its valid rows placed.
    UPLOAD_CREATE = "upload.create", "Bulk upload checked"
    UPLOAD_CONFIRM = "upload.confirm", "Bulk upload placed"
    # health and finance balances: replays, the subscription, thresholds, balance reads.
    WEBHOOK_REPLAY = "webhook.replay", "Webhook event replayed"
    WEBHOOK_RENEW = "webhook.renew", "Webhook subscription renewed"
    BALANCE_THRESHOLD = "balance.threshold", "Low-balance threshold changed"
    BALANCE_REFRESH = "balance.refresh", "Balances read from Tango"
    # reconciliation with Tango: a run started, a mismatch resolved.
    RECON_RUN = "recon.run", "Reconciliation started"
    RECON_RESYNC = "recon.resync", "Mismatch re-synced"
    RECON_ADOPT = "recon.adopt", "Tango's value adopted"
    RECON_EXPLAIN = "recon.explain", "Mismatch explained"


class AuditEntry(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=50, db_index=True, choices=AuditAction.choices)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=100, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"
