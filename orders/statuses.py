"""Tango's vocabularies, with Tango's exact strings as values, and our own placement states.

Order-status descriptions are Tango's "Manage orders" page (shared/seeds/000_...txt), which is
authoritative. Allowed transitions of our placement state live here and nowhere else.
"""

from __future__ import annotations

from django.db import models


class OrderStatus(models.TextChoices):
    """Tango `orderStatus` (GET /orders), 11 values."""

    PENDING = "PENDING", "Pending"
    QUEUED = "QUEUED", "Queued"
    PENDING_MR = "PENDING_MR", "Pending manual review"
    ON_HOLD = "ON_HOLD", "On hold"
    CANCELLED = "CANCELLED", "Cancelled"
    COMPLETE = "COMPLETE", "Complete"
    FAILED = "FAILED", "Failed"
    PARTIAL = "PARTIAL", "Partial"
    DELETED = "DELETED", "Deleted"
    PENDING_KYB = "PENDING_KYB", "Pending KYB"
    PENDING_PAYMENT = "PENDING_PAYMENT", "Pending payment"


# Tango's own words (seed page), shortened only where the page pointed at its own UI.
ORDER_STATUS_DESCRIPTIONS: dict[str, str] = {
    OrderStatus.PENDING: (
        "The order has been created and submitted but has not yet started processing. The "
        "system is validating order details. Payment authorization may be in progress. Pending "
        "orders should be processed and delivered within one (1) business day. Orders placed on "
        "Friday afternoon or over the weekend may be processed on the following Monday or the "
        "next business day. Once the order is delivered, its status changes to Complete."
    ),
    OrderStatus.QUEUED: (
        "The order has been accepted for processing and is actively being fulfilled by the system."
    ),
    OrderStatus.PENDING_MR: (
        "The order is pending manual review and has been flagged for human review before it can "
        "proceed to fulfillment. Some common reasons for manual review is fraud detection, new "
        "customer, unusual activity, compliance checks, account flags, and policy violations."
    ),
    OrderStatus.ON_HOLD: (
        "The order has been temporarily suspended and will not be processed until it is manually "
        "released or resolved. It can stay in this state indefinitely until action is taken. Some "
        "common reasons are: account issues such as insufficient funds, compliance holds, "
        "platform restrictions, customer request, payment issues, investigation, business rules, "
        "and technical issues."
    ),
    OrderStatus.CANCELLED: (
        "The order has been terminated and will not be fulfilled. No rewards will be generated or "
        "delivered for this order and funds are typically returned or credited back to the "
        "account. For PARTIAL orders, only unprocessed items are refunded."
    ),
    OrderStatus.COMPLETE: "The order has been completed.",
    OrderStatus.FAILED: (
        "The order could not be processed and all line items failed to fulfill. No rewards were "
        "successfully generated or delivered. Payment may be reversed or not captured. Your "
        "account is refunded for the total value of the order. Place the order again to ensure "
        "your reward is sent."
    ),
    OrderStatus.PARTIAL: (
        "The order was partially fulfilled. Some line items succeeded while others failed. "
        "Recipients of successful line items received their rewards, but some portions of the "
        "order did not complete. Payment processed for these items and is available in order "
        "reports."
    ),
    OrderStatus.DELETED: (
        "The order has been removed from the system and may not appear in standard queries or "
        "reports. Order details may be partially or fully removed, cannot be reactivated or "
        "modified, is irreversible. Historical record may be retained for compliance."
    ),
    OrderStatus.PENDING_KYB: (
        "The order is pending Know Your Business (KYB) verification and cannot proceed until "
        "business identity verification is completed. This is a compliance requirement for "
        "certain transactions or accounts."
    ),
    OrderStatus.PENDING_PAYMENT: (
        "The order is waiting for payment to be completed or confirmed before it can proceed to "
        "fulfillment. The payment is waiting for automated processing to complete or for the "
        "customer to take action to finish paying."
    ),
}

# What staff can do next, per Tango order status (shown on the order page).
ORDER_STATUS_NEXT_STEPS: dict[str, str] = {
    OrderStatus.PENDING: (
        "Wait: pending orders are delivered within one business day. Past that the order is "
        "flagged as stuck; contact Tango support with the Reference Order ID."
    ),
    OrderStatus.QUEUED: "Nothing to do: Tango is fulfilling the order.",
    OrderStatus.PENDING_MR: (
        "Tango is reviewing the order by hand. Contact your Tango Customer Success Manager if it "
        "is urgent."
    ),
    OrderStatus.ON_HOLD: (
        "Find the hold reason with Tango. If it is insufficient funds, fund the account; Tango "
        "releases the order."
    ),
    OrderStatus.CANCELLED: "Nothing will be delivered. Place a new order if the reward is owed.",
    OrderStatus.COMPLETE: "Check each line item's delivery. Resend a digital reward if needed.",
    OrderStatus.FAILED: (
        "The account was refunded. Check the error, then place the order again; it will get a "
        "new externalRefID."
    ),
    OrderStatus.PARTIAL: "Look at the FAILED line items and re-order those rewards.",
    OrderStatus.DELETED: "The order was removed at Tango and cannot be changed.",
    OrderStatus.PENDING_KYB: "Complete Tango's KYB verification for this account.",
    OrderStatus.PENDING_PAYMENT: "Complete or confirm the payment that funds this order.",
}

FINAL_ORDER_STATUSES = frozenset(
    {
        OrderStatus.COMPLETE,
        OrderStatus.FAILED,
        OrderStatus.CANCELLED,
        OrderStatus.PARTIAL,
        OrderStatus.DELETED,
    }
)


class LineItemStatus(models.TextChoices):
    """Tango `lineItemStatus`, 6 values."""

    COMPLETE = "COMPLETE", "Complete"
    PENDING = "PENDING", "Pending"
    FAILED = "FAILED", "Failed"
    DELETED = "DELETED", "Deleted"
    CANCELLED = "CANCELLED", "Cancelled"
    RETURNED = "RETURNED", "Returned"


class DeliveryMethod(models.TextChoices):
    """Tango `deliveryMethod`, 10 values."""

    NONE = "NONE", "None (credentials handed over by us)"
    EMAIL = "EMAIL", "Email"
    PHONE = "PHONE", "Text message"
    ADDRESS = "ADDRESS", "Physical mail"
    EMBEDDED = "EMBEDDED", "Embedded"
    BULKSHIPMENT = "BULKSHIPMENT", "Bulk shipment"
    QRCODE = "QRCODE", "QR code"
    BULKDIGITAL = "BULKDIGITAL", "Bulk digital"
    EMBEDDED_COMPONENT = "EMBEDDED_COMPONENT", "Embedded component"
    WHATSAPP = "WHATSAPP", "WhatsApp"


# Accepted by POST /orders (TANGO_API.md §4.1) and by resends (§7.4, §8.1).
CREATE_DELIVERY_METHODS = frozenset(
    {"NONE", "EMAIL", "PHONE", "ADDRESS", "EMBEDDED", "EMBEDDED_COMPONENT", "WHATSAPP"}
)
RESEND_DELIVERY_METHODS = frozenset({"NONE", "EMAIL", "PHONE", "WHATSAPP"})
PHYSICAL_DELIVERY_METHODS = frozenset({DeliveryMethod.ADDRESS, DeliveryMethod.BULKSHIPMENT})


class EmailStatus(models.TextChoices):
    DELIVERED = "DELIVERED", "Delivered"
    NOT_DELIVERED = "NOT_DELIVERED", "Not delivered"
    PENDING = "PENDING", "Pending"
    SENT = "SENT", "Sent"
    DEFERRED = "DEFERRED", "Deferred"
    DROPPED = "DROPPED", "Dropped"
    BOUNCE = "BOUNCE", "Bounced"
    BLOCKED = "BLOCKED", "Blocked"


class DeliveryStatus(models.TextChoices):
    """Line-item `deliveryStatus` (GET /lineItems)."""

    PENDING = "PENDING", "Pending"
    PROCESSING = "PROCESSING", "Processing"
    DISPATCHED = "DISPATCHED", "Dispatched"
    DELIVERED = "DELIVERED", "Delivered"
    FAILED = "FAILED", "Failed"
    ENGAGED = "ENGAGED", "Engaged"


class PhysicalDeliveryEvent(models.TextChoices):
    """`LineItemDeliveryStatus` webhook vocabulary (physical cards); note CANCELED, one L."""

    IN_PROGRESS = "IN_PROGRESS", "In progress"
    SHIPPED = "SHIPPED", "Shipped"
    COMPLETED = "COMPLETED", "Completed"
    CANCELED = "CANCELED", "Canceled"
    FAILED = "FAILED", "Failed"


# How a physical-delivery webhook maps onto the line item's deliveryStatus.
PHYSICAL_EVENT_TO_DELIVERY_STATUS: dict[str, str] = {
    PhysicalDeliveryEvent.IN_PROGRESS: DeliveryStatus.PROCESSING,
    PhysicalDeliveryEvent.SHIPPED: DeliveryStatus.DISPATCHED,
    PhysicalDeliveryEvent.COMPLETED: DeliveryStatus.DELIVERED,
    PhysicalDeliveryEvent.CANCELED: DeliveryStatus.FAILED,
    PhysicalDeliveryEvent.FAILED: DeliveryStatus.FAILED,
}


class RewardStatus(models.TextChoices):
    """Stored reward status of a COMPLETE line item (Tango does not enumerate it; §9.6)."""

    ACTIVE = "ACTIVE", "Active"
    FROZEN = "FROZEN", "Frozen"
    CANCELLED = "CANCELLED", "Cancelled"
    REDEEMED = "REDEEMED", "Redeemed"
    PARTIALLY_REDEEMED = "PARTIALLY_REDEEMED", "Partially redeemed"
    EXPIRED = "EXPIRED", "Expired"


class RewardEvent(models.TextChoices):
    """`RewardStatus` webhook status values ("FULL-REDEMPTION" has a hyphen in Tango's docs)."""

    FROZEN = "FROZEN", "Frozen"
    UNFROZEN = "UNFROZEN", "Unfrozen"
    CANCELLED = "CANCELLED", "Cancelled"
    ACTIVATED = "ACTIVATED", "Activated"
    PARTIAL_REDEMPTION = "PARTIAL_REDEMPTION", "Partially redeemed"
    FULL_REDEMPTION = "FULL-REDEMPTION", "Fully redeemed"


REWARD_EVENT_TO_REWARD_STATUS: dict[str, str] = {
    RewardEvent.FROZEN: RewardStatus.FROZEN,
    RewardEvent.UNFROZEN: RewardStatus.ACTIVE,
    RewardEvent.CANCELLED: RewardStatus.CANCELLED,
    RewardEvent.ACTIVATED: RewardStatus.ACTIVE,
    RewardEvent.PARTIAL_REDEMPTION: RewardStatus.PARTIALLY_REDEEMED,
    RewardEvent.FULL_REDEMPTION: RewardStatus.REDEEMED,
}


class AccountStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    INACTIVE = "INACTIVE", "Inactive"
    DISABLED = "DISABLED", "Disabled"
    FROZEN = "FROZEN", "Frozen"
    DELETED = "DELETED", "Deleted"


class OrderSource(models.TextChoices):
    RA = "RA", "API"
    RG = "RG", "Tango portal"
    BE = "BE", "Bulk upload"
    BI = "BI", "Bulk internal"
    CI = "CI", "Codes internal"
    QW = "QW", "Qualtrics"
    AA = "AA", "Async API"


class AsyncOrderOutcome(models.TextChoices):
    """`AsyncOrderStatus` webhook status."""

    SUCCESSFUL = "SUCCESSFUL", "Successful"
    RETRYING = "RETRYING", "Retrying"
    FAILED = "FAILED", "Failed"
    PARTIALFAILED = "PARTIALFAILED", "Partially failed"


class ValueType(models.TextChoices):
    FIXED_VALUE = "FIXED_VALUE", "Fixed value"
    VARIABLE_VALUE = "VARIABLE_VALUE", "Variable value"


class PlacementState(models.TextChoices):
    """Our side of an order's life, before and around placement at Tango."""

    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    REJECTED = "rejected", "Rejected"
    HELD = "held", "Held"
    QUEUED = "queued", "Queued for placement"
    PLACING = "placing", "Placing"
    PLACED = "placed", "Placed"
    PLACEMENT_FAILED = "placement_failed", "Placement failed"
    WITHDRAWN = "withdrawn", "Withdrawn"


_P = PlacementState
PLACEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    _P.DRAFT: frozenset({_P.AWAITING_APPROVAL, _P.QUEUED, _P.HELD, _P.WITHDRAWN}),
    _P.AWAITING_APPROVAL: frozenset({_P.QUEUED, _P.REJECTED, _P.HELD, _P.WITHDRAWN}),
    _P.REJECTED: frozenset(),
    # -> PLACED: adopted: Tango has the order (the sync found our externalRefID there after
    # a POST whose answer was lost, or a 409.024 "already exists" taken as a rejection).
    _P.HELD: frozenset({_P.QUEUED, _P.WITHDRAWN, _P.PLACED}),
    # QUEUED -> PLACED happens when a retry finds the order already at Tango.
    _P.QUEUED: frozenset({_P.PLACING, _P.HELD, _P.PLACED, _P.PLACEMENT_FAILED}),
    # PLACING -> QUEUED: a retryable Tango error or a sweeper re-drive; -> HELD: Tango's 402.
    _P.PLACING: frozenset({_P.PLACED, _P.PLACEMENT_FAILED, _P.HELD, _P.QUEUED}),
    _P.PLACED: frozenset(),
    # -> PLACED: adopted: Tango has the order (see HELD).
    _P.PLACEMENT_FAILED: frozenset({_P.QUEUED, _P.WITHDRAWN, _P.PLACED}),
    _P.WITHDRAWN: frozenset(),
}
UNPLACED_STATES = frozenset({_P.DRAFT, _P.AWAITING_APPROVAL, _P.HELD, _P.QUEUED})


def can_transition(old: str, new: str) -> bool:
    return new in PLACEMENT_TRANSITIONS.get(old, frozenset())


class HoldReason(models.TextChoices):
    INSUFFICIENT_FUNDS = "insufficient_funds", "Insufficient funds"
    STAFF = "staff", "Held by staff"
    BULK_REVIEW = "bulk_review", "Bulk upload review"


class EventSource(models.TextChoices):
    STAFF = "staff", "Staff"
    WORKER = "worker", "Worker"
    SYNC = "sync", "Sync"
    WEBHOOK = "webhook", "Webhook"
    SYSTEM = "system", "System"
