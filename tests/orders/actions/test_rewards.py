"""Credential reveal and cancel / freeze / unfreeze (orders/actions/rewards.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions import rewards
from orders.models import LineItem, OrderEvent
from tests.factories import CatalogItemFactory, LineItemFactory, OrderFactory, placed_line_item

# Every test here talks to the fake Tango (placed_line_item and at_tango hold orders there).
pytestmark = pytest.mark.usefixtures("tango")
IP = "10.1.2.3"


def choice_line_item(**kwargs) -> LineItem:
    defaults = {
        "date_issued": timezone.now() - timedelta(days=1),
        "can_cancel": True,
        "can_freeze": True,
        "reward_status": "ACTIVE",
    }
    return placed_line_item(**{**defaults, **kwargs})


def test_reveal_fetches_from_tango_audits_and_stores_nothing(staff, tango):
    line_item = placed_line_item()
    reward = rewards.reveal_credential(
        line_item_id=line_item.pk,
        actor=Actor.for_user(staff, ip=IP),
        reason="ticket 42",
    )
    assert tango.names() == ["get_order"]
    assert reward.credentials[1].value == "9876-5432"
    audit = AuditEntry.objects.get(action="credential.reveal")
    assert (audit.reason, audit.ip_address) == ("ticket 42", IP)
    assert line_item.events.filter(kind=OrderEvent.Kind.CREDENTIAL_REVEALED).exists()
    stored = [repr(a.after) + a.reason for a in AuditEntry.objects.all()]
    stored += [e.message + repr(e.details) for e in OrderEvent.objects.all()]
    assert not any("9876-5432" in text or "XYZ-123" in text for text in stored)


def test_reveal_needs_a_reason_and_an_issued_reward(staff, tango):
    with pytest.raises(ActionNotAllowed, match="reason"):
        rewards.reveal_credential(
            line_item_id=placed_line_item().pk,
            actor=Actor.for_user(staff, ip=IP),
            reason=" ",
        )
    with pytest.raises(ActionNotAllowed, match="COMPLETE"):
        rewards.reveal_credential(
            line_item_id=placed_line_item(status="PENDING").pk,
            actor=Actor.for_user(staff, ip=IP),
            reason="x",
        )
    assert tango.calls == []


def test_cancel_calls_tango_and_stores_what_tango_says_now(staff, tango):
    line_item = choice_line_item()
    rewards.perform_line_item_action(
        line_item_id=line_item.pk,
        action="cancel",
        reason_code="DUPLICATE",
        other_reason="",
        actor=Actor.for_user(staff, ip=IP),
    )
    assert tango.names() == ["cancel_line_item", "get_line_item"]
    assert tango.calls[0][1] == {
        "reference_line_item_id": line_item.reference_line_item_id,
        "reason_code": "DUPLICATE",
        "other_reason": "",
    }
    line_item.refresh_from_db()
    assert (line_item.status, line_item.reward_status, line_item.can_cancel) == (
        "CANCELLED",
        "CANCELLED",
        False,
    )
    audit = AuditEntry.objects.get(action="line_item.cancel")
    assert audit.before["status"] == "COMPLETE" and audit.after["status"] == "CANCELLED"


@pytest.mark.parametrize(
    ("action", "changes", "reason"),
    [
        ("cancel", {"date_issued": timezone.now() - timedelta(days=6)}, "5-day window"),
        ("cancel", {"can_cancel": False}, "does not allow"),
        ("freeze", {"reward_status": "FROZEN"}, "already frozen"),
        ("unfreeze", {}, "not frozen"),
    ],
)
def test_line_item_actions_are_refused_outside_tangos_rules(staff, tango, action, changes, reason):
    line_item = choice_line_item(**changes)
    with pytest.raises(ActionNotAllowed, match=reason):
        rewards.perform_line_item_action(
            line_item_id=line_item.pk,
            action=action,
            reason_code="FRAUD",
            other_reason="",
            actor=Actor.for_user(staff, ip=IP),
        )
    assert tango.calls == []


def test_only_choice_products_can_be_cancelled(staff):
    order = OrderFactory(placed=True, line_item=None)
    line_item = LineItemFactory(
        order=order,
        catalog_item=CatalogItemFactory(fixed=True),
        date_issued=timezone.now(),
        can_cancel=True,
    )
    assert "Choice products" in rewards.line_item_action_blocker(line_item, "cancel")
