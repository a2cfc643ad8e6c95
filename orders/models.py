"""The Tango domain: customers, accounts, catalog, orders, line items and the order timeline.

Field values use Tango's exact vocabularies (orders/statuses.py). Reward credentials are never
stored: staff who may see one fetch it from Tango on demand (GET /orders/{id}) and the reveal
is audited, so a database leak exposes no gift-card codes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, Lower

from orders.querysets import LineItemQuerySet, OrderEventQuerySet, OrderQuerySet
from orders.statuses import (
    AccountStatus,
    DeliveryMethod,
    DeliveryStatus,
    EmailStatus,
    EventSource,
    HoldReason,
    LineItemStatus,
    OrderSource,
    OrderStatus,
    PlacementState,
    RewardStatus,
    ValueType,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


class Customer(models.Model):
    identifier = models.CharField(max_length=100, unique=True)
    display_name = models.CharField(max_length=100)
    status = models.CharField(max_length=20, blank=True)
    tango_created_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["identifier"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.identifier})"


class Account(models.Model):
    identifier = models.CharField(max_length=100, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    display_name = models.CharField(max_length=100)
    account_number = models.CharField(max_length=20, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    current_balance = models.DecimalField(**MONEY, default=0)
    status = models.CharField(
        max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    contact_email = models.EmailField(blank=True)
    balance_synced_at = models.DateTimeField(null=True, blank=True)
    # Whether /asyncOrders (closed release) may be used for multi-line orders on this account.
    async_orders_enabled = models.BooleanField(default=False)

    class Meta:
        ordering = ["identifier"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.identifier}, {self.currency})"


class Brand(models.Model):
    brand_key = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, blank=True)
    image_url = models.URLField(blank=True, max_length=500)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CatalogItem(models.Model):
    utid = models.CharField(max_length=20, unique=True)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="items")
    reward_name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    value_type = models.CharField(max_length=16, choices=ValueType.choices)
    face_value = models.DecimalField(**MONEY, null=True, blank=True)
    min_value = models.DecimalField(**MONEY, null=True, blank=True)
    max_value = models.DecimalField(**MONEY, null=True, blank=True)
    reward_type = models.CharField(max_length=40, blank=True)
    # Delivery channels from the catalog's `attributes` (EMAIL, PHONE, ADDRESS, EMBEDDED).
    delivery_methods = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reward_name"]

    def __str__(self) -> str:
        return f"{self.reward_name} ({self.utid})"

    @property
    def is_choice_product(self) -> bool:
        """Reward Link style items: the only ones Tango lets us cancel or freeze."""
        return self.reward_type.lower() in {"reward link", "promo", "cash equivalent"}


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
        "order status", max_length=16, choices=OrderStatus.choices, blank=True
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
        ]
        indexes = [
            models.Index(fields=["tango_status", "-created_at"], name="order_status_created"),
            models.Index(fields=["state", "placing_since"], name="order_state_placing"),
            models.Index(fields=["account", "-created_at"], name="order_account_created"),
            models.Index(fields=["tango_created_at"], name="order_tango_created"),
            models.Index(fields=["-created_at", "-id"], name="order_created_id"),
            models.Index(fields=["ordered_at"], name="order_ordered_at"),
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
        "line-item status", max_length=10, choices=LineItemStatus.choices, blank=True
    )
    delivery_method = models.CharField(
        max_length=20, choices=DeliveryMethod.choices, default=DeliveryMethod.EMAIL
    )
    email_status = models.CharField(max_length=14, choices=EmailStatus.choices, blank=True)
    delivery_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, blank=True)
    reward_status = models.CharField(max_length=20, choices=RewardStatus.choices, blank=True)
    can_cancel = models.BooleanField(default=False)
    can_freeze = models.BooleanField(default=False)
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

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    line_item = models.ForeignKey(
        LineItem, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    occurred_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=10, choices=EventSource.choices)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    old_status = models.CharField(max_length=24, blank=True)
    new_status = models.CharField(max_length=24, blank=True)
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


class SavedView(models.Model):
    """A named orders-list filter shared with the team (e.g. "Failed line items, last 24 h")."""

    name = models.CharField(max_length=100, unique=True)
    query_string = models.CharField(max_length=2000)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BulkJob(models.Model):
    """A background bulk action (resend, release) over selected or filtered orders."""

    class Action(models.TextChoices):
        RESEND = "resend", "Resend rewards"
        RELEASE = "release", "Release held orders"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    action = models.CharField(max_length=10, choices=Action.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    order_ids = models.JSONField(default=list)
    reason = models.CharField(max_length=500, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    results = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} x{self.total} ({self.status})"
