"""Every read of approval requests: the queue, its filters, the badge's count."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q


class ApprovalRequestQuerySet(models.QuerySet):
    def pending(self) -> ApprovalRequestQuerySet:
        return self.filter(status="pending")

    def for_queue(self) -> ApprovalRequestQuerySet:
        """With what a queue row and the funds panel read (no query per row)."""
        return self.select_related(
            "order__account", "order__created_by", "policy"
        ).prefetch_related(
            "makers",
            "approvals__approver",
            "order__line_items__catalog_item",
        )

    def oldest_first(self) -> ApprovalRequestQuerySet:
        return self.order_by("created_at", "id")

    def not_made_by(self, user: Any) -> ApprovalRequestQuerySet:
        """Requests `user` did not make (maker-checker: the only ones they may decide)."""
        makers = self.model.makers.through.objects.filter(
            approvalrequest_id=OuterRef("pk"), user_id=user.pk
        )
        return self.exclude(Exists(makers)).exclude(order__created_by_id=user.pk)

    def not_approved_by(self, user: Any) -> ApprovalRequestQuerySet:
        # The Approval model by its relation (models imports this module, not the reverse).
        approval = self.model.approvals.rel.related_model
        mine = approval.objects.filter(
            request_id=OuterRef("pk"), approver_id=user.pk, voided_at__isnull=True
        )
        return self.exclude(Exists(mine))

    def decidable_by(self, user: Any) -> ApprovalRequestQuerySet:
        """Pending requests `user` may decide as a checker (the nav badge counts these)."""
        return self.pending().not_made_by(user).not_approved_by(user)

    def expired_by(self, moment: datetime) -> ApprovalRequestQuerySet:
        return self.pending().filter(expires_at__lte=moment)

    def waiting_since_before(self, moment: datetime) -> ApprovalRequestQuerySet:
        """Pending, created before `moment`, approvers not reminded yet."""
        return self.pending().filter(created_at__lte=moment, reminded_at__isnull=True)

    # --- the queue's filters ------------------------------------------------------------------

    def on_account(self, identifier: str) -> ApprovalRequestQuerySet:
        return self.filter(order__account__identifier=identifier)

    def in_currency(self, currency: str) -> ApprovalRequestQuerySet:
        return self.filter(order__currency=currency.upper())

    def hit_rule(self, code: str) -> ApprovalRequestQuerySet:
        return self.filter(rule_codes__contains=f",{code},")

    def created_by_username(self, username: str) -> ApprovalRequestQuerySet:
        return self.filter(order__created_by__username=username)

    def in_batch(self, batch: str) -> ApprovalRequestQuerySet:
        return self.filter(batch=batch)

    def amount_between(self, low: Decimal | None, high: Decimal | None) -> ApprovalRequestQuerySet:
        found = self
        if low is not None:
            found = found.filter(order__amount__gte=low)
        if high is not None:
            found = found.filter(order__amount__lte=high)
        return found

    def search_order(self, text: str) -> ApprovalRequestQuerySet:
        return self.filter(
            Q(order__external_ref_id__icontains=text) | Q(order__campaign__icontains=text)
        )
