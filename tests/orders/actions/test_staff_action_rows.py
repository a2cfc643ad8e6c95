"""Each staff action writes exactly one audit row (with the request's IP) and its timeline row,
in one transaction: if the audit row cannot be written, nothing of the action stays.

Saved views and bulk-job starts are about no order, and showing contact data changes nothing
about one: they write their audit row and no timeline row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from core.actor import Actor
from orders.actions import bulk_jobs, holds, notes, refresh, resend, rewards, saved_views
from orders.models import BulkJob, LineItem, Order, OrderEvent, SavedView
from tango.testing import FakeTango
from tests.factories import OrderFactory, at_tango

IP = "10.20.30.40"

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    name: str
    audit_action: str
    timeline_rows: int
    # Builds the world, returns the action to run with an actor.
    arrange: Callable[[Any, FakeTango], Callable[[Actor], Any]]


def _placed(tango: FakeTango, **line: Any):
    order = OrderFactory(placed=True, tango_status="PENDING")
    item = order.line_items.get()
    for key, value in line.items():
        setattr(item, key, value)
    item.save()
    return at_tango(order, tango)


def _hold(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    order = OrderFactory()
    return lambda actor: holds.hold(order_id=order.pk, actor=actor, note="customer asked")


def _release(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    order = OrderFactory(state="held", hold_reason="staff")
    return lambda actor: holds.release(order_id=order.pk, actor=actor, note="ok")


def _refresh(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    order = _placed(tango, email_status="SENT")  # as the fake has it
    tango.set_status(order.reference_order_id, "COMPLETE")  # the one thing changed at Tango
    return lambda actor: refresh.refresh_order(order_id=order.pk, actor=actor)


def _note(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    order = OrderFactory()
    return lambda actor: notes.add_note(order_id=order.pk, actor=actor, text="Called Jane")


def _resend(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    item = _placed(tango).line_items.get()
    return lambda actor: resend.request_resend(
        line_item_id=item.pk, actor=actor, target=resend.ResendTarget()
    )


def _reveal(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    item = _placed(tango).line_items.get()
    return lambda actor: rewards.reveal_credential(
        line_item_id=item.pk, actor=actor, reason="ticket 7"
    )


def _freeze(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    item = _placed(
        tango,
        date_issued=timezone.now() - timedelta(days=1),
        can_cancel=True,
        can_freeze=True,
        reward_status="ACTIVE",
    ).line_items.get()
    return lambda actor: rewards.perform_line_item_action(
        line_item_id=item.pk, action="freeze", reason_code="FRAUD", other_reason="", actor=actor
    )


def _unmask(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    order = OrderFactory()
    return lambda actor: notes.unmask_recipient(order_id=order.pk, actor=actor)


def _save_view(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    return lambda actor: saved_views.save_view(
        name="Failed", query_string="status=FAILED", actor=actor
    )


def _delete_view(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    view = SavedView.objects.create(name="Old", query_string="", owner=staff)
    return lambda actor: saved_views.delete_view(view_id=view.pk, actor=actor)


def _bulk_start(staff: Any, tango: FakeTango) -> Callable[[Actor], Any]:
    order = OrderFactory(state="held", hold_reason="staff")
    return lambda actor: bulk_jobs.start_bulk_job(
        action="release", order_ids=[order.pk], reason="funded", actor=actor
    )


CASES = [
    Case("hold", "order.hold", 1, _hold),
    Case("release", "order.release", 1, _release),
    Case("refresh", "order.refresh", 1, _refresh),
    Case("note", "order.note", 1, _note),
    Case("resend request", "line_item.resend", 1, _resend),
    Case("reveal", "credential.reveal", 1, _reveal),
    Case("line-item action", "line_item.freeze", 1, _freeze),
    Case("unmask", "recipient.unmask", 0, _unmask),
    Case("saved view create", "saved_view.create", 0, _save_view),
    Case("saved view delete", "saved_view.delete", 0, _delete_view),
    Case("bulk job start", "bulk.release", 0, _bulk_start),
]


@pytest.fixture
def staff(make_user):
    return make_user("Admin")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_one_audit_row_with_the_ip_and_one_timeline_row(case, staff, fake_tango, sent_tasks):
    act = case.arrange(staff, fake_tango)
    events_before = set(OrderEvent.objects.values_list("pk", flat=True))

    act(Actor.for_user(staff, ip=IP))

    audit = AuditEntry.objects.get()  # exactly one
    assert (audit.action, audit.actor, audit.ip_address) == (case.audit_action, staff, IP)
    new_rows = OrderEvent.objects.exclude(pk__in=events_before)
    assert new_rows.count() == case.timeline_rows
    assert all(row.actor == staff for row in new_rows)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_without_its_audit_row_nothing_of_the_action_stays(case, staff, fake_tango, monkeypatch):
    act = case.arrange(staff, fake_tango)

    def snapshot() -> tuple[list, ...]:
        return (
            list(OrderEvent.objects.order_by("pk").values_list("pk", flat=True)),
            list(Order.objects.order_by("pk").values_list("pk", "state", "tango_status")),
            list(
                LineItem.objects.order_by("pk").values_list(
                    "pk", "resend_requested_at", "reward_status"
                )
            ),
            list(SavedView.objects.order_by("pk").values_list("pk", "name")),
            list(BulkJob.objects.values_list("pk", flat=True)),
        )

    before = snapshot()

    def refuse(**row: Any) -> None:
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(AuditEntry.objects, "create", refuse)
    with pytest.raises(RuntimeError, match="audit table unavailable"):
        act(Actor.for_user(staff, ip=IP))

    assert snapshot() == before
