"""The order timeline and the raw, verified Tango webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from orders.models.order import LineItem, Order
from orders.querysets import OrderEventQuerySet
from orders.statuses import (
    EventSource,
)


class OrderEvent(models.Model):
    """The order's timeline: status changes, placement attempts, staff actions and notes."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATE_CHANGED = "state_changed", "Placement state changed"
        STATUS_CHANGED = "status_changed", "Tango order status changed"
        LINE_ITEM_CHANGED = "line_item_changed", "Line item changed"
        PLACEMENT_ATTEMPT = "placement_attempt", "Placement attempt"
        PLACEMENT_FAILED = "placement_failed", "Placement failed"
        HELD = "held", "Held"
        RELEASED = "released", "Released"
        APPROVED = "approved", "Approved"
        APPROVAL = "approval", "Approval"
        RESEND_REQUESTED = "resend_requested", "Resend requested"
        RESENT = "resent", "Reward resent"
        RESEND_FAILED = "resend_failed", "Resend failed"
        LINE_ITEM_ACTION = "line_item_action", "Line item action"
        CREDENTIAL_REVEALED = "credential_revealed", "Credential revealed"
        NOTE = "note", "Note"
        STUCK = "stuck", "Flagged as stuck"
        WEBHOOK = "webhook", "Webhook received"
        REORDER = "reorder", "Re-order"
        REISSUE = "reissue", "Reissue"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    line_item = models.ForeignKey(
        LineItem, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    occurred_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=10, choices=EventSource.choices)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    old_status = models.CharField(max_length=64, blank=True)  # any Tango status (order.py)
    new_status = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = OrderEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["order", "-occurred_at"], name="order_event_timeline")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


class WebhookEvent(models.Model):
    """Every verified Tango webhook, stored raw before processing; eventId dedupes."""

    event_id = models.CharField(max_length=64, unique=True)
    revision = models.BigIntegerField(null=True, blank=True)
    category = models.CharField(max_length=20, blank=True)
    event_type = models.CharField(max_length=40)
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    body = models.TextField()
    payload = models.JSONField(default=dict)
    processed_at = models.DateTimeField(null=True, blank=True)
    processing_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
