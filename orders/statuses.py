"""Tango's vocabularies, with Tango's exact strings as values, and our own placement states.

Order-status descriptions are Tango's "Manage orders" page (shared/seeds/000_...txt), which is
authoritative. The named transitions of our placement state live here and nowhere else; the
transition table and the state sets (holdable, releasable, adoptable) are derived from them.
"Tango statuses never go back" is decided here too (order_status_goes_back and its sibling).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    OrderStatus.COMPLETE: "Check each line item's delivery.",
    OrderStatus.FAILED: (
        "The account was refunded. Check the error, then re-order the reward (Re-order failed "
        "rewards, below): the new order gets a new externalRefID."
    ),
    OrderStatus.PARTIAL: (
        "Look at the FAILED line items and re-order those rewards (Re-order failed rewards, below)."
    ),
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
# Channels Tango can re-deliver a reward on (§7.4); physical mail and embedded rewards cannot be
# resent (orders.actions.resend.resend_blocker, LineItemQuerySet.resend_possible).
RESEND_CHANNELS = frozenset({"EMAIL", "PHONE", "WHATSAPP"})


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


@dataclass(frozen=True)
class Transition:
    """One named move of the placement state: from any of `sources` to `target`.

    orders.state.transition_state is the only code that performs one (a conditional UPDATE);
    a caller may narrow `sources` to the state it read, never widen them.
    """

    name: str
    sources: frozenset[str]
    target: str


TRANSITIONS: dict[str, Transition] = {}  # by name, filled by _move below


def _move(name: str, sources: set[str], target: str) -> Transition:
    TRANSITIONS[name] = Transition(name, frozenset(sources), target)
    return TRANSITIONS[name]


SUBMIT = _move("submit", {_P.DRAFT}, _P.QUEUED)
SEND_TO_APPROVAL = _move("send_to_approval", {_P.DRAFT}, _P.AWAITING_APPROVAL)
APPROVE = _move("approve", {_P.AWAITING_APPROVAL}, _P.QUEUED)
REJECT = _move("reject", {_P.AWAITING_APPROVAL}, _P.REJECTED)
# Staff stop an order that was never sent (Tango has no hold API). Not one waiting for
# approval: releasing it would queue it without its approval (reject it instead).
HOLD = _move("hold", {_P.DRAFT, _P.QUEUED}, _P.HELD)
# A failed placement is released as a retry: same externalRefID, so never a second order.
RELEASE = _move("release", {_P.HELD, _P.PLACEMENT_FAILED}, _P.QUEUED)
CLAIM = _move("claim", {_P.QUEUED}, _P.PLACING)  # a worker takes it, counting the attempt
# A retryable Tango error gives the order back; so does the sweeper for a dead worker.
REQUEUE = _move("requeue", {_P.PLACING}, _P.QUEUED)
HOLD_FOR_FUNDS = _move("hold_for_funds", {_P.PLACING}, _P.HELD)  # Tango's 402
# Tango's final refusal (from QUEUED: refused before any attempt; no writer does that yet).
FAIL = _move("fail", {_P.PLACING, _P.QUEUED}, _P.PLACEMENT_FAILED)
# Tango answered that it has the order (201/200, a retry's lookup, 409.024): from any state
# an unplaced order can be in meanwhile. QUEUED: the sweeper re-queued a slow (not dead)
# attempt; HELD / PLACEMENT_FAILED: someone gave up on it while an earlier POST was on its way.
MARK_PLACED = _move("mark_placed", {_P.PLACING, _P.QUEUED, _P.HELD, _P.PLACEMENT_FAILED}, _P.PLACED)
# The sync found our externalRefID at Tango for an order nobody is placing now (never
# PLACING: that worker is talking to Tango; QUEUED only after an attempt, see ADOPTABLE).
ADOPT = _move("adopt", {_P.QUEUED, _P.HELD, _P.PLACEMENT_FAILED}, _P.PLACED)
WITHDRAW = _move(
    "withdraw", {_P.DRAFT, _P.AWAITING_APPROVAL, _P.HELD, _P.PLACEMENT_FAILED}, _P.WITHDRAWN
)

# Derived, never written by hand: which state may move where, and the sets the actions ask.
PLACEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    state: frozenset(t.target for t in TRANSITIONS.values() if state in t.sources)
    for state in _P.values
}
HOLDABLE = HOLD.sources
RELEASABLE = RELEASE.sources
ANSWER_ADOPTED_FROM = MARK_PLACED.sources
ADOPTABLE = ADOPT.sources
UNPLACED_STATES = frozenset({_P.DRAFT, _P.AWAITING_APPROVAL, _P.HELD, _P.QUEUED})


def can_transition(old: str, new: str) -> bool:
    return new in PLACEMENT_TRANSITIONS.get(old, frozenset())


def transition(name: str | Transition) -> Transition:
    """The named transition (KeyError for a name that is not one)."""
    return name if isinstance(name, Transition) else TRANSITIONS[name]


# Tango does not publish its status transitions. TANGO_API.md §9.8 lists what is known: an
# order goes PENDING -> COMPLETE | FAILED, the pending-like statuses (QUEUED, PENDING_MR,
# ON_HOLD, PENDING_KYB, PENDING_PAYMENT) lead to PENDING | COMPLETE | FAILED | CANCELLED, a line
# item goes PENDING -> COMPLETE | FAILED, then COMPLETE -> CANCELLED (cancel, reissue) or, for a
# physical card, -> RETURNED. Nothing leaves a final order status for an open one, or a settled
# line item for PENDING. So a list or poll read saying so is older than what we already stored
# (overlapping passes, a page read before a refresh, a webhook or the bulk mirror wrote) and is
# ignored as a whole: its other fields (reward status, flags) are just as old. The cost: an
# admin-forced move back at Tango (FAILED -> PENDING, a test hook in §9.8) is not mirrored until
# the order settles again, which is acceptable. Final -> final (COMPLETE -> CANCELLED) applies.


def order_status_goes_back(stored: str, read: str | None) -> bool:
    """Would `read` move the order from a final status back to an open one?"""
    return read is not None and stored in FINAL_ORDER_STATUSES and read not in FINAL_ORDER_STATUSES


def line_item_status_goes_back(stored: str, read: str | None) -> bool:
    """Would `read` move a settled line item (COMPLETE, FAILED...) back to PENDING?"""
    return (
        read is not None
        and stored not in ("", LineItemStatus.PENDING)
        and read in ("", LineItemStatus.PENDING)
    )


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
