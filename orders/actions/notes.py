"""Internal notes on an order, and staff looking at a recipient's contact data."""

from __future__ import annotations

from django.db import transaction

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from orders import events
from orders.models import Order, OrderEvent


def add_note(*, order_id: int, actor: Actor, text: str) -> OrderEvent:
    order = Order.objects.get(pk=order_id)
    with transaction.atomic():
        event = events.note_added(order=order, actor=actor, text=text)
        record(actor=actor, action=AuditAction.ORDER_NOTE, obj=order, after={"note": text})
    return event


def unmask_recipient(*, order_id: int, actor: Actor) -> Order:
    """Record that staff looked at a recipient's contact data (the view then shows it).

    The audit log is its record; looking changes nothing about the order, so it writes no
    timeline row.
    """
    order = Order.objects.get(pk=order_id)
    record(actor=actor, action=AuditAction.RECIPIENT_UNMASK, obj=order)
    return order
