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
        ("cancel", {"can_cancel": False}, "does not allow"),
        ("freeze", {"can_freeze": False}, "does not allow"),
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


def test_tangos_flags_decide_the_window_not_a_day_count(staff, tango):
    # Tango says the window may be customised per program: a reward issued 9 days ago that
    # Tango still lets us cancel can be cancelled; one issued an hour ago that it refuses cannot.
    old = choice_line_item(date_issued=timezone.now() - timedelta(days=9))
    assert rewards.line_item_action_blocker(old, "cancel") is None
    assert rewards.line_item_action_blocker(old, "freeze") is None
    fresh = choice_line_item(date_issued=timezone.now() - timedelta(hours=1), can_cancel=False)
    assert "does not allow a cancel" in rewards.line_item_action_blocker(fresh, "cancel")
    rewards.perform_line_item_action(
        line_item_id=old.pk,
        action="freeze",
        reason_code="VERIFY_ORDER",
        other_reason="",
        actor=Actor.for_user(staff, ip=IP),
    )
    assert "freeze_line_item" in tango.names()


def test_reason_codes_come_from_tango_and_are_cached(staff, tango):
    from django.core.cache import cache

    from orders.forms import LineItemActionForm

    cache.delete(rewards.REASON_CODES_CACHE_KEY)
    tango.reason_codes_answer = {
        "CANCEL": {"NEW_CODE": "A code Tango added", "OTHER": "Other"},
        "FREEZE": {"FRAUD": "Fraud"},
    }
    form = LineItemActionForm(action="cancel")
    assert [code for code, _ in form.fields["reason_code"].choices] == ["", "NEW_CODE", "OTHER"]
    assert LineItemActionForm(action="unfreeze").fields["reason_code"].choices == [("", "Choose…")]
    assert rewards.reason_codes("freeze") == {"FRAUD": "Fraud"}
    assert tango.count("get_line_item_reason_codes") == 1  # cached (6 h)
    line_item = choice_line_item()
    with pytest.raises(ActionNotAllowed, match="Tango's reasons"):
        rewards.perform_line_item_action(
            line_item_id=line_item.pk,
            action="cancel",
            reason_code="DUPLICATE",  # was hard-coded here; Tango no longer lists it
            other_reason="",
            actor=Actor.for_user(staff, ip=IP),
        )
    rewards.perform_line_item_action(
        line_item_id=line_item.pk,
        action="cancel",
        reason_code="NEW_CODE",
        other_reason="",
        actor=Actor.for_user(staff, ip=IP),
    )
    assert OrderEvent.objects.filter(message__contains="A code Tango added").exists()


def test_without_reason_codes_the_action_waits(staff, tango, client):
    from django.core.cache import cache

    from tango.errors import TangoUnavailable

    cache.delete(rewards.REASON_CODES_CACHE_KEY)
    tango.errors["get_line_item_reason_codes"] = TangoUnavailable("down", status_code=503)
    assert rewards.reason_codes("cancel") == {}
    assert rewards.reason_codes("freeze") == {}
    assert tango.count("get_line_item_reason_codes") == 1  # not once per form
