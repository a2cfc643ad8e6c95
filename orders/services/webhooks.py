"""Tango webhooks: store, dedupe, then process in a task (TANGO_API.md §13).

Receiving (`orders/webhook_views.py`) does only what must happen before answering 200: verify
the HMAC signature and parse the envelope (both in tango/webhooks.py), store the raw event once
per eventId and enqueue processing after commit. Processing is idempotent: `processed_at` is
claimed with a conditional UPDATE in the same transaction as the changes it makes, so a
redelivered event, a duplicate task or a concurrent worker applies an event at most once.

Events may arrive out of order (§13.3); a line-item or account event older than one already
applied to the same subject is recorded and skipped, so a late event never undoes a newer one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from core import jobs
from core.actor import Actor, ActorPath
from orders import events
from orders.models import Account, CatalogItem, LineItem, Order, WebhookEvent
from orders.services.bulk_mirror import apply_async_detail
from orders.services.sync_changes import Changes, bulk_write, fit, line_item_event, quantize
from orders.statuses import (
    PHYSICAL_EVENT_TO_DELIVERY_STATUS,
    REWARD_EVENT_TO_REWARD_STATUS,
    AccountStatus,
)
from tango.client import get_client
from tango.errors import TangoNotFound
from tango.types import AsyncOrderDetail
from tango.webhooks import Envelope

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
    event = WebhookEvent.objects.get(pk=webhook_event_id)
    if event.processed_at is not None:
        return "already processed"
    handler = HANDLERS.get(event.event_type)
    data = event.payload.get("eventData") or {}
    if handler is None:
        logger.warning(
            "webhook %s: %s %r; nothing done",
            event.event_id,
            IGNORED_UNKNOWN_TYPE,
            event.event_type,
        )
        _finish(event, IGNORED_UNKNOWN_TYPE)
        return IGNORED_UNKNOWN_TYPE
    fetched = handler.fetch(event, data) if handler.fetch else None
    with transaction.atomic():
        if not _claim(event):
            return "already processed"
        note = handler.apply(event, data, fetched)
        if note:
            WebhookEvent.objects.filter(pk=event.pk).update(processing_error=note)
    logger.info(
        "webhook %s %s processed%s", event.event_id, event.event_type, f": {note}" if note else ""
    )
    return note or "processed"


def _claim(event: WebhookEvent) -> bool:
    return bool(
        WebhookEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
            processed_at=timezone.now()
        )
    )


def _finish(event: WebhookEvent, note: str) -> None:
    WebhookEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
        processed_at=timezone.now(), processing_error=note
    )


def _newer_applied(event: WebhookEvent, key: str, value: str) -> bool:
    """Has an event of this type about the same subject, that happened later, been applied?"""
    if event.occurred_at is None:
        return False
    return (
        WebhookEvent.objects.filter(
            event_type=event.event_type,
            processed_at__isnull=False,
            occurred_at__gt=event.occurred_at,
            **{f"payload__eventData__{key}": value},
        )
        .exclude(pk=event.pk)
        .exists()
    )


def _line_item_ref(data: dict[str, Any]) -> str:
    return str(data.get("referenceLineItemId") or data.get("referenceLineItemID") or "")


def _apply_line_item_status(
    event: WebhookEvent, data: dict[str, Any], *, field: str, mapping: dict[str, str]
) -> str:
    ref = _line_item_ref(data)
    status = str(data.get("status") or "")
    new = mapping.get(status)
    if not ref or new is None:
        logger.warning("webhook %s: ignored: status %r not understood", event.event_id, status)
        return f"ignored: status {status!r} not understood"
    key = "referenceLineItemId" if "referenceLineItemId" in data else "referenceLineItemID"
    if _newer_applied(event, key, ref):
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
    note = f"{event.event_type} webhook: {status}"
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
    details = {k: data.get(k) for k in ("action", "reasonCode", "type", "newReferenceLineItemId")}
    timeline.details = {
        **timeline.details,
        "event_id": event.event_id,
        **{k: v for k, v in details.items() if v},
    }
    bulk_write(LineItem, [changes] if changes else [], extra={"updated_at": now})
    timeline.save()
    return ""


def _apply_reward_status(event: WebhookEvent, data: dict[str, Any], fetched: Any) -> str:
    return _apply_line_item_status(
        event, data, field="reward_status", mapping=REWARD_EVENT_TO_REWARD_STATUS
    )


def _apply_delivery_status(event: WebhookEvent, data: dict[str, Any], fetched: Any) -> str:
    return _apply_line_item_status(
        event, data, field="delivery_status", mapping=PHYSICAL_EVENT_TO_DELIVERY_STATUS
    )


def _async_order_for(data: dict[str, Any]) -> Order | None:
    ext = str(data.get("externalRefID") or data.get("externalRefId") or "")
    orders = Order.objects.select_related("account", "customer").filter(external_ref_id=ext)
    if data.get("accountIdentifier"):
        orders = orders.filter(account__identifier=data["accountIdentifier"])
    return orders.first() if ext else None


def _fetch_async_order(event: WebhookEvent, data: dict[str, Any]) -> AsyncOrderDetail | None:
    order = _async_order_for(data)
    if order is None:
        return None
    try:
        return get_client().get_async_order(
            customer_identifier=order.customer.identifier,
            account_identifier=order.account.identifier,
            external_ref_id=order.external_ref_id,
        )
    except TangoNotFound:
        logger.warning("webhook %s: async order %s not found at Tango", event.event_id, order.pk)
        return None


def _apply_async_order(event: WebhookEvent, data: dict[str, Any], fetched: Any) -> str:
    order = _async_order_for(data)
    if order is None or fetched is None:
        return "ignored: bulk order not known locally or not found at Tango"
    apply_async_detail(order, fetched, actor=WEBHOOK, note=f"AsyncOrderStatus {data.get('status')}")
    return ""


def _account_for(event: WebhookEvent, data: dict[str, Any]) -> Account | None:
    ident = str(data.get("accountIdentifier") or "")
    return Account.objects.filter(identifier=ident).first() if ident else None


def _apply_account_status(event: WebhookEvent, data: dict[str, Any], fetched: Any) -> str:
    account = _account_for(event, data)
    status = str(data.get("status") or "").upper()
    if account is None:
        return "ignored: account not known locally (the accounts sync will bring it)"
    if status not in AccountStatus.values:
        return f"ignored: account status {status!r} not understood"
    if _newer_applied(event, "accountIdentifier", account.identifier):
        return "ignored: a newer event for this account was already applied"
    if account.status != status:
        logger.warning("account %s is now %s at Tango", account.identifier, status)
        Account.objects.filter(pk=account.pk).update(status=status)
    return ""


def _apply_low_balance(event: WebhookEvent, data: dict[str, Any], fetched: Any) -> str:
    account = _account_for(event, data)
    if account is None:
        return "ignored: account not known locally (the accounts sync will bring it)"
    logger.warning(
        "low balance on account %s: %s (alert threshold %s)",
        account.identifier,
        data.get("balance"),
        data.get("balanceThreshold"),
    )
    try:
        balance = quantize(_decimal(data.get("balance")))
    except (TypeError, ValueError, ArithmeticError):
        return "ignored: balance not a number"
    moment = event.occurred_at or timezone.now()
    if balance is None or (account.balance_synced_at and account.balance_synced_at > moment):
        return "balance not applied: the account was synced more recently"
    Account.objects.filter(pk=account.pk).update(current_balance=balance, balance_synced_at=moment)
    return ""


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _apply_item_availability(event: WebhookEvent, data: dict[str, Any], fetched: Any) -> str:
    utid = str(data.get("utid") or "")
    status = fit(CatalogItem, "status", data.get("status"))
    if not utid or not CatalogItem.objects.filter(utid=utid).exclude(status=status).update(
        status=status
    ):
        return "no catalog change"
    return ""


def _apply_connectivity_test(event: WebhookEvent, data: dict[str, Any], fetched: Any) -> str:
    return "connectivity test"


@dataclass(frozen=True)
class Handler:
    apply: Callable[[WebhookEvent, dict[str, Any], Any], str]
    # The Tango read an event needs, done before the transaction (never hold one across HTTP).
    fetch: Callable[[WebhookEvent, dict[str, Any]], Any] | None = None


HANDLERS: dict[str, Handler] = {
    "RewardStatus": Handler(_apply_reward_status),
    "LineItemDeliveryStatus": Handler(_apply_delivery_status),
    "AsyncOrderStatus": Handler(_apply_async_order, fetch=_fetch_async_order),
    "AccountStatus": Handler(_apply_account_status),
    "LowBalance": Handler(_apply_low_balance),
    "ItemAvailability": Handler(_apply_item_availability),
    "ConnectivityTest": Handler(_apply_connectivity_test),
}

# What `setup_webhooks` subscribes to: every type we act on.
SUBSCRIBED_EVENT_TYPES = (
    "RewardStatus",
    "LineItemDeliveryStatus",
    "AsyncOrderStatus",
    "LowBalance",
    "AccountStatus",
    "ItemAvailability",
)
