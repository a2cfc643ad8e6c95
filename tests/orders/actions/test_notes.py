"""Notes on an order (orders/actions/notes.py): the timeline and the audit log."""

from __future__ import annotations

from audit.models import AuditEntry
from core.actor import Actor
from orders.actions import notes
from orders.models import OrderEvent
from tests.factories import OrderFactory

IP = "10.1.2.3"


def test_note_goes_on_the_timeline_and_into_the_audit_log(staff):
    order = OrderFactory()
    notes.add_note(
        order_id=order.pk,
        actor=Actor.for_user(staff, ip=IP),
        text="Called Jane",
    )
    assert order.events.get(kind=OrderEvent.Kind.NOTE).message == "Called Jane"
    assert AuditEntry.objects.get(action="order.note").ip_address == IP
