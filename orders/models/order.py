"""Orders and their line items, in Tango's exact vocabularies (orders/statuses.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower

from orders.models.catalog import MONEY, Account, CatalogItem, Customer
from orders.querysets import REORDER_ENDED, LineItemQuerySet, OrderQuerySet
from orders.statuses import (
    DeliveryMethod,
    DeliveryStatus,
    EmailStatus,
    HoldReason,
    LineItemStatus,
    OrderSource,
    OrderStatus,
    PlacementState,
    RewardStatus,
)

# Tango's status columns hold any value Tango sends, not only our vocabulary's (Tango adds
# values, TANGO_API.md §2.3; e.g. "SCHEDULED DELIVERY", 18 characters): choices label the known
# ones, the column never cuts or rejects another.
STATUS_LENGTH = 64

# LineItem's postal address columns, in form order (address_<key>).
ADDRESS_COLUMNS = (
    "address_company",
    "address_street1",
    "address_street2",
    "address_city",
    "address_state",
    "address_postal_code",
    "address_country",
)


class Order(models.Model):
    # Our idempotency key at Tango; generated before the order is ever enqueued.
    external_ref_id = models.CharField(max_length=100, unique=True)
    reference_order_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="orders")

    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    amount_charged_value = models.DecimalField(**MONEY, null=True, blank=True)
    amount_charged_fee = models.DecimalField(**MONEY, null=True, blank=True)
    amount_charged_total = models.DecimalField(**MONEY, null=True, blank=True)
    amount_charged_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=8, null=True, blank=True)

    tango_status = models.CharField(
        "order status", max_length=STATUS_LENGTH, choices=OrderStatus.choices, blank=True
    )
    state = models.CharField(
        max_length=20, choices=PlacementState.choices, default=PlacementState.DRAFT
    )
    hold_reason = models.CharField(max_length=20, choices=HoldReason.choices, blank=True)
    hold_note = models.CharField(max_length=500, blank=True)
    placement_error_key = models.CharField(max_length=20, blank=True)
    placement_error = models.TextField(blank=True)
    placement_attempts = models.PositiveIntegerField(default=0)
    placing_since = models.DateTimeField(null=True, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)

    delivery_method = models.CharField(
        max_length=20, choices=DeliveryMethod.choices, default=DeliveryMethod.EMAIL
    )
    order_source = models.CharField(
        max_length=2, choices=OrderSource.choices, default=OrderSource.RA
    )
    is_bulk = models.BooleanField(default=False)
    sender_first_name = models.CharField(max_length=100, blank=True)
    sender_last_name = models.CharField(max_length=100, blank=True)
    sender_email = models.EmailField(blank=True)
    email_subject = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)
    etid = models.CharField(max_length=10, blank=True)
    campaign = models.CharField(max_length=1024, blank=True)
    notes = models.CharField(max_length=1024, blank=True)
    purchase_order_number = models.CharField(max_length=100, blank=True)

    tango_created_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A re-order (entry.actions.reorder): the FAILED reward this order replaces; the first one
    # when a failed re-order is re-ordered again, so one reward has one live re-order at most
    # (the `order_one_live_reorder` constraint below, behind the action's row lock).
    reorder_of = models.ForeignKey(
        "orders.LineItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reorders",
    )
    # A reissue (entry.actions.reissue): the reward Tango cancelled when it created this order
    # (POST /lineItems/{id}/reissue). One-to-one: a reward is reissued once.
    reissue_of = models.OneToOneField(
        "orders.LineItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reissued_as",
    )
    # A reissue waiting for approval: what Tango is asked once approved (reason_code,
    # other_reason, recipient fields changed); {} otherwise.
    reissue_request = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The order's date for reports: Tango's createdAt, our row's time only until Tango has the
    # order. Computed and stored by the database (PostgreSQL and SQLite), so no writer can
    # forget it and every report, export and drill-down dates an order the same way.
    ordered_at = models.GeneratedField(
        expression=Coalesce("tango_created_at", "created_at"),
        output_field=models.DateTimeField(),
        db_persist=True,
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # Role permissions (core/roles.py maps them onto the Support/Finance/Manager groups).
        permissions = [
            ("resend_reward", "Can resend a digital reward"),
            ("hold_order", "Can put an unplaced order on hold"),
            ("release_order", "Can release a held order"),
            ("approve_order", "Can approve an order (checker)"),
            ("manage_line_item", "Can cancel, freeze or unfreeze a line item"),
            ("reveal_credential", "Can reveal a reward credential"),
            ("add_note", "Can add an internal note"),
            ("refresh_order", "Can refresh an order from Tango"),
            ("view_reports", "Can read finance reports"),
            ("export_orders", "Can export orders"),
            ("view_recipient", "Can see unmasked recipient contact data"),
            ("reorder_reward", "Can re-order a failed reward"),
            ("reissue_reward", "Can reissue a Choice-product reward"),
        ]
        constraints = [
            # Re-orders that ended failed (at Tango), rejected or expired (withdrawn) free the
            # reward for another re-order; any other re-order is live or succeeded.
            models.UniqueConstraint(
                fields=["reorder_of"],
                condition=Q(reorder_of__isnull=False) & ~REORDER_ENDED,
                name="order_one_live_reorder",
            )
        ]
        indexes = [
            # The orders list sorts by (column, id) and pages with a row comparison on the
            # same pair, so each sort has its (column, id) index to seek with; its default,
            # newest first by ordered_at, also under the status and account filters.
            models.Index(fields=["-ordered_at", "-id"], name="order_ordered_id"),
            models.Index(
                fields=["tango_status", "-ordered_at", "-id"], name="order_status_ordered"
            ),
            models.Index(fields=["account", "-ordered_at", "-id"], name="order_account_ordered"),
            models.Index(fields=["amount", "id"], name="order_amount_id"),
            models.Index(fields=["tango_status", "id"], name="order_status_id"),
            models.Index(fields=["state", "placing_since"], name="order_state_placing"),
            models.Index(fields=["tango_created_at"], name="order_tango_created"),
        ]

    def __str__(self) -> str:
        return self.reference_order_id or self.external_ref_id


class LineItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_items")
    reference_line_item_id = models.CharField(max_length=80, unique=True, null=True, blank=True)
    external_ref_line_item_id = models.CharField(max_length=100, blank=True)
    line_number = models.PositiveIntegerField(default=1)
    catalog_item = models.ForeignKey(
        CatalogItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    utid = models.CharField(max_length=20)
    reward_name = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    denomination_value = models.DecimalField(**MONEY, null=True, blank=True)
    denomination_currency = models.CharField(max_length=3, blank=True)
    amount_charged_total = models.DecimalField(**MONEY, null=True, blank=True)

    status = models.CharField(
        "line-item status", max_length=STATUS_LENGTH, choices=LineItemStatus.choices, blank=True
    )
    delivery_method = models.CharField(
        max_length=20, choices=DeliveryMethod.choices, default=DeliveryMethod.EMAIL
    )
    email_status = models.CharField(
        max_length=STATUS_LENGTH, choices=EmailStatus.choices, blank=True
    )
    delivery_status = models.CharField(
        max_length=STATUS_LENGTH, choices=DeliveryStatus.choices, blank=True
    )
    reward_status = models.CharField(
        max_length=STATUS_LENGTH, choices=RewardStatus.choices, blank=True
    )
    # What Tango's line-item read says (canCancel / canFreeze); None until it has been read
    # (POST /orders does not say), so the console does not claim "Tango does not allow it".
    can_cancel = models.BooleanField(null=True, default=None)
    can_freeze = models.BooleanField(null=True, default=None)
    date_issued = models.DateTimeField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)

    recipient_first_name = models.CharField(max_length=100, blank=True)
    recipient_last_name = models.CharField(max_length=100, blank=True)
    recipient_email = models.EmailField(blank=True)
    recipient_mobile = models.CharField(max_length=16, blank=True)
    address_company = models.CharField(max_length=100, blank=True)
    address_street1 = models.CharField(max_length=200, blank=True)
    address_street2 = models.CharField(max_length=100, blank=True)
    address_city = models.CharField(max_length=60, blank=True)
    address_state = models.CharField(max_length=36, blank=True)
    address_postal_code = models.CharField(max_length=12, blank=True)
    address_country = models.CharField(max_length=2, blank=True)

    resend_count = models.PositiveIntegerField(default=0)
    last_resent_at = models.DateTimeField(null=True, blank=True)
    # Set by the staff resend claim, cleared when the result is written: while it is set a
    # double click or a second tab cannot queue another resend of this reward.
    resend_requested_at = models.DateTimeField(null=True, blank=True)
    # The reissue claim (entry.actions.reissue): set by one conditional UPDATE before Tango is
    # called, so two clicks make one POST /lineItems/{id}/reissue; cleared only on a refusal.
    reissue_requested_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LineItemQuerySet.as_manager()

    class Meta:
        ordering = ["order_id", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_number"], name="line_item_number")
        ]
        indexes = [
            models.Index(fields=["status", "order"], name="line_item_status_order"),
            models.Index(fields=["email_status"], name="line_item_email_status"),
            models.Index(Lower("recipient_email"), name="line_item_recipient_email"),
        ]

    def __str__(self) -> str:
        return self.reference_line_item_id or f"{self.order} #{self.line_number}"

    @property
    def recipient_name(self) -> str:
        return f"{self.recipient_first_name} {self.recipient_last_name}".strip()

    @property
    def is_digital(self) -> bool:
        return self.delivery_method not in {DeliveryMethod.ADDRESS, DeliveryMethod.BULKSHIPMENT}
