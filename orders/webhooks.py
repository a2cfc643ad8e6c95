"""Tango webhooks: store, dedupe, then process in a task (TANGO_API.md §13).

Receiving (orders/views/webhook.py) does only what must happen before answering 200: verify
the HMAC signature and parse the envelope (both in tango/webhooks.py), store the raw event once
per eventId and enqueue processing after commit. Processing turns the stored payload into one
typed event (tango.webhooks.parse_event: raw Tango dicts stop there) and applies it once:
`processed_at` is claimed with a conditional UPDATE in the same transaction as the changes it
makes, so a redelivered event, a duplicate task or a concurrent worker applies it at most once.

Events may arrive out of order (§13.3); a line-item or account event older than one already
applied to the same subject is recorded and skipped, so a late event never undoes a newer one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from core import jobs
from core.actor import Actor, ActorPath
from orders import events
from orders.models import Account, CatalogItem, LineItem, Order, WebhookEvent
from orders.statuses import (
    PHYSICAL_EVENT_TO_DELIVERY_STATUS,
    REWARD_EVENT_TO_REWARD_STATUS,
    AccountStatus,
)
from orders.sync.async_orders import apply_async_detail, read_async_order
from orders.sync.changes import Changes, bulk_write, fit, line_item_event, quantize
from tango.errors import TangoNotFound
from tango.types import AsyncOrderDetail
from tango.webhooks import (
    AccountStatusChanged,
    AsyncOrderStatusChanged,
    ConnectivityTest,
    Envelope,
    ItemAvailabilityChanged,
    LineItemDeliveryStatusChanged,
    LowBalance,
    RewardStatusChanged,
    TangoEvent,
    TransactionPosted,
    parse_event,
)

logger = logging.getLogger(__name__)

IGNORED_UNKNOWN_TYPE = "ignored: unknown event type"
WEBHOOK = Actor.system(ActorPath.WEBHOOK)


def store_webhook_event(*, envelope: Envelope, body: bytes) -> tuple[WebhookEvent, bool]:
    """Store the raw event once (by eventId) and enqueue processing after commit.

    Returns (event, created). A redelivery of an event that is not processed yet is enqueued
    again: the first task may have been lost, and processing is idempotent.
    """
    with transaction.atomic():
        event, created = WebhookEvent.objects.get_or_create(
            event_id=envelope.event_id,
            defaults={
                "revision": envelope.revision,
                "category": envelope.category,
                "event_type": envelope.event_type,
                "occurred_at": envelope.occurred_at,
                "body": body.decode("utf-8", errors="replace"),
                "payload": envelope.payload,
            },
        )
        if created or event.processed_at is None:
            jobs.enqueue("orders.tasks.webhooks.process_webhook_event", webhook_event_id=event.pk)
    return event, created


# --- processing -------------------------------------------------------------------------------


def process_webhook_event(*, webhook_event_id: int) -> str:
    """Apply a stored event once. Returns what happened (also kept in processing_error)."""
    stored = WebhookEvent.objects.get(pk=webhook_event_id)
    if stored.processed_at is not None:
        return "already processed"
    event = parse_event(stored.payload)
    handler = HANDLERS.get(type(event))
    if handler is None:
        logger.warning(
            "webhook %s: %s %r; nothing done",
            stored.event_id,
            IGNORED_UNKNOWN_TYPE,
            stored.event_type,
        )
        _finish(stored, IGNORED_UNKNOWN_TYPE)
        return IGNORED_UNKNOWN_TYPE
    fetched = handler.fetch(stored, event) if handler.fetch else None
    with transaction.atomic():
        if not _claim(stored):
            return "already processed"
        note = handler.apply(stored, event, fetched)
        if note:
            WebhookEvent.objects.filter(pk=stored.pk).update(processing_error=note)
    logger.info(
        "webhook %s %s processed%s", stored.event_id, stored.event_type, f": {note}" if note else ""
    )
    return note or "processed"


def _claim(stored: WebhookEvent) -> bool:
    return bool(
        WebhookEvent.objects.filter(pk=stored.pk, processed_at__isnull=True).update(
            processed_at=timezone.now()
        )
    )


def _finish(stored: WebhookEvent, note: str) -> None:
    WebhookEvent.objects.filter(pk=stored.pk, processed_at__isnull=True).update(
        processed_at=timezone.now(), processing_error=note
    )


def _newer_applied(stored: WebhookEvent, key: str, value: str) -> bool:
    """Has an event of this type about the same subject, that happened later, been applied?

    `key` is Tango's field name in eventData: the stored payloads are searched by it.
    """
    if stored.occurred_at is None:
        return False
    return (
        WebhookEvent.objects.filter(
            event_type=stored.event_type,
            processed_at__isnull=False,
            occurred_at__gt=stored.occurred_at,
            **{f"payload__eventData__{key}": value},
        )
        .exclude(pk=stored.pk)
        .exists()
    )


def _apply_line_item_status(
    stored: WebhookEvent,
    event: RewardStatusChanged | LineItemDeliveryStatusChanged,
    *,
    field: str,
    mapping: dict[str, str],
) -> str:
    ref, status = event.reference_line_item_id, event.status
    new = mapping.get(status)
    if not ref or new is None:
        logger.warning("webhook %s: ignored: status %r not understood", stored.event_id, status)
        return f"ignored: status {status!r} not understood"
    if _newer_applied(stored, event.reference_key, ref):
        return "ignored: a newer event for this line item was already applied"
    # Locked for the rest of this (short) transaction: the write below then cannot lose to a
    # sync pass writing the same line, and neither can the pass's write undo this one.
    line = LineItem.objects.select_for_update().filter(reference_line_item_id=ref).first()
    if line is None:
        # Not synced yet: the line-item sync reads the same status from GET /lineItems.
        return "ignored: line item not known locally (the line-item sync will bring it)"
    now = timezone.now()
    changes = Changes(line)
    changes.set(field, new)
    note = f"{stored.event_type} webhook: {status}"
    timeline = line_item_event(
        line_item=line, changes=changes, actor=WEBHOOK, occurred_at=now, note=note
    )
    if timeline is None:
        timeline = events.webhook_received(
            line_item=line,
            actor=WEBHOOK,
            message=f"{note} (already known)",
            occurred_at=now,
            save=False,
        )
    timeline.details = {
        **timeline.details,
        "event_id": stored.event_id,
        **{k: v for k, v in event.details().items() if v},
    }
    bulk_write(LineItem, [changes] if changes else [], extra={"updated_at": now})
    timeline.save()
    return ""


def _apply_reward_status(stored: WebhookEvent, event: RewardStatusChanged, fetched: Any) -> str:
    return _apply_line_item_status(
        stored, event, field="reward_status", mapping=REWARD_EVENT_TO_REWARD_STATUS
    )


def _apply_delivery_status(
    stored: WebhookEvent, event: LineItemDeliveryStatusChanged, fetched: Any
) -> str:
    return _apply_line_item_status(
        stored, event, field="delivery_status", mapping=PHYSICAL_EVENT_TO_DELIVERY_STATUS
    )


def _async_order_for(event: AsyncOrderStatusChanged) -> Order | None:
    if not event.external_ref_id:
        return None
    orders = Order.objects.select_related("account", "customer").filter(
        external_ref_id=event.external_ref_id
    )
    if event.account_identifier:
        orders = orders.filter(account__identifier=event.account_identifier)
    return orders.first()


def _fetch_async_order(
    stored: WebhookEvent, event: AsyncOrderStatusChanged
) -> AsyncOrderDetail | None:
    order = _async_order_for(event)
    if order is None:
        return None
    try:
        return read_async_order(order)
    except TangoNotFound:
        logger.warning("webhook %s: async order %s not found at Tango", stored.event_id, order.pk)
        return None


def _apply_async_order(
    stored: WebhookEvent, event: AsyncOrderStatusChanged, fetched: AsyncOrderDetail | None
) -> str:
    order = _async_order_for(event)
    if order is None or fetched is None:
        return "ignored: bulk order not known locally or not found at Tango"
    apply_async_detail(order, fetched, actor=WEBHOOK, note=f"AsyncOrderStatus {event.status}")
    return ""


def _account_for(identifier: str) -> Account | None:
    return Account.objects.filter(identifier=identifier).first() if identifier else None


def _apply_account_status(stored: WebhookEvent, event: AccountStatusChanged, fetched: Any) -> str:
    account = _account_for(event.account_identifier)
    status = event.status.upper()
    if account is None:
        return "ignored: account not known locally (the accounts sync will bring it)"
    if status not in AccountStatus.values:
        return f"ignored: account status {status!r} not understood"
    if _newer_applied(stored, "accountIdentifier", account.identifier):
        return "ignored: a newer event for this account was already applied"
    if account.status != status:
        logger.warning("account %s is now %s at Tango", account.identifier, status)
        Account.objects.filter(pk=account.pk).update(status=status)
    return ""


def _apply_low_balance(stored: WebhookEvent, event: LowBalance, fetched: Any) -> str:
    account = _account_for(event.account_identifier)
    if account is None:
        return "ignored: account not known locally (the accounts sync will bring it)"
    logger.warning(
        "low balance on account %s: %s (alert threshold %s)",
        account.identifier,
        event.balance_text,
        event.threshold_text,
    )
    if event.balance_unreadable:
        return "ignored: balance not a number"
    balance = quantize(event.balance)
    moment = stored.occurred_at or timezone.now()
    if balance is None or (account.balance_synced_at and account.balance_synced_at > moment):
        return "balance not applied: the account was synced more recently"
    Account.objects.filter(pk=account.pk).update(current_balance=balance, balance_synced_at=moment)
    return ""


def _apply_transaction(stored: WebhookEvent, event: TransactionPosted, fetched: Any) -> str:
    # Nothing to write: the stored event is what finance's balance check counts as funding.
    if event.amount is None:
        return "ignored: amount not a number"
    return ""


def _apply_item_availability(
    stored: WebhookEvent, event: ItemAvailabilityChanged, fetched: Any
) -> str:
    status = fit(CatalogItem, "status", event.status)
    if not event.utid or not CatalogItem.objects.filter(utid=event.utid).exclude(
        status=status
    ).update(status=status):
        return "no catalog change"
    return ""


def _apply_connectivity_test(stored: WebhookEvent, event: ConnectivityTest, fetched: Any) -> str:
    return "connectivity test"


@dataclass(frozen=True)
class Handler:
    apply: Callable[[WebhookEvent, Any, Any], str]
    # The Tango read an event needs, done before the transaction (never hold one across HTTP).
    fetch: Callable[[WebhookEvent, Any], Any] | None = None


# One handler per typed event (tango.webhooks); an UnknownEvent has none and is recorded.
HANDLERS: dict[type[TangoEvent], Handler] = {
    RewardStatusChanged: Handler(_apply_reward_status),
    LineItemDeliveryStatusChanged: Handler(_apply_delivery_status),
    AsyncOrderStatusChanged: Handler(_apply_async_order, fetch=_fetch_async_order),
    AccountStatusChanged: Handler(_apply_account_status),
    LowBalance: Handler(_apply_low_balance),
    TransactionPosted: Handler(_apply_transaction),
    ItemAvailabilityChanged: Handler(_apply_item_availability),
    ConnectivityTest: Handler(_apply_connectivity_test),
}

# What `setup_webhooks` subscribes to: every type we act on.
SUBSCRIBED_EVENT_TYPES = (
    RewardStatusChanged.event_type,
    LineItemDeliveryStatusChanged.event_type,
    AsyncOrderStatusChanged.event_type,
    LowBalance.event_type,
    TransactionPosted.event_type,
    AccountStatusChanged.event_type,
    ItemAvailabilityChanged.event_type,
)
