"""Approvals' own rows: the versioned policy, one approval request per waiting order, and the
approvals given on it.

A policy is never edited in place: each save in the console is a new `ApprovalPolicy` row
with the next version number, and a request keeps the version it was evaluated under, so
"why did this order wait?" is answerable after the policy changed.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from approvals.querysets import ApprovalRequestQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class ApprovalPolicy(models.Model):
    """One version of the approval policy (the highest version is the current one).

    Amount limits are per currency: {"USD": "500.00", "EUR": "400.00"}; a currency without a
    limit has none. `accounts` are account identifiers, `utids` reward UTIDs (upper case).
    """

    version = models.PositiveIntegerField(unique=True)
    per_order_limits = models.JSONField(default=dict, blank=True)
    dual_approval_limits = models.JSONField(default=dict, blank=True)
    daily_creator_limits = models.JSONField(default=dict, blank=True)
    batch_limits = models.JSONField(default=dict, blank=True)
    accounts = models.JSONField(default=list, blank=True)
    utids = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "approval policies"
        permissions = [("change_policy", "Can edit the approval policy (a new version)")]

    def __str__(self) -> str:
        return f"Approval policy v{self.version}"

    @staticmethod
    def limit(limits: dict[str, str], currency: str) -> Decimal | None:
        value = limits.get(currency.upper())
        return Decimal(str(value)) if value not in (None, "") else None


class ApprovalRequest(models.Model):
    """An order waiting for (or decided by) approval: the rules it hit under which policy
    version, how many distinct approvers it needs, and until when."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired (withdrawn)"

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="approval_request"
    )
    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.PROTECT, related_name="requests")
    # [{"code": "per_order", "message": "amount 600.00 USD is above ..."}], in the order found.
    rules = models.JSONField(default=list)
    rule_codes = models.CharField(max_length=200, blank=True)  # ",per_order,batch," (filter)
    approvals_needed = models.PositiveSmallIntegerField(default=1)
    # Whoever made the order or the batch/upload it came from: never its checker.
    makers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    batch = models.CharField(max_length=100, blank=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)

    objects = ApprovalRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        # Deciding is orders.approve_order (core/roles.py: Manager, Admin), held since before
        # this app existed so the roles did not change when it landed. Editing a waiting
        # order's amount or recipient makes the editor one of its makers.
        permissions = [("edit_waiting_order", "Can edit an order waiting for approval")]

    def __str__(self) -> str:
        return f"Approval request #{self.pk} ({self.status})"

    @property
    def reason(self) -> str:
        return "; ".join(rule["message"] for rule in self.rules)


class Approval(models.Model):
    """One checker's approval. Voided (not deleted) when the order is edited after it."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["approved_at", "id"]
        constraints = [
            # The same person cannot give two live approvals of one request (a dual approval
            # needs two different people), however many tabs race.
            models.UniqueConstraint(
                fields=["request", "approver"],
                condition=Q(voided_at__isnull=True),
                name="approval_one_live_per_approver",
            )
        ]

    def __str__(self) -> str:
        return f"Approval of request #{self.request_id} by {self.approver_id}"
