"""entry.actions.new_order: one order per form token, created and submitted in one
transaction, every problem before anything is written."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core import signing
from django.db import connection

from approvals.models import ApprovalRequest
from audit.models import AuditEntry
from core.actor import Actor
from core.errors import ValidationFailed
from entry.actions import new_order as entry
from orders.models import Order
from orders.statuses import PlacementState as _P

PLACE = "orders.tasks.placement.place_order_task"


def good(account, **changes: Any) -> dict[str, Any]:
    return {
        "account": account,
        "utid": "U100001",
        "amount": "25.00",
        "delivery_method": "EMAIL",
        "recipient_first_name": "Jane",
        "recipient_last_name": "Doe",
        "recipient_email": "jane@example.com",
        "sender_first_name": "Acme",
        "email_subject": "Thanks!",
        "message": "Great work.",
        "campaign": "Q4",
        "notes": "ticket 4711",
        "purchase_order_number": "PO-9",
        **changes,
    }


@pytest.fixture
def actor(support):
    return Actor.for_user(support)


def test_a_token_gives_one_external_ref_for_its_user(support, make_user, settings):
    token = entry.new_form_token(support)
    ref = entry.external_ref_for(token, support)
    assert ref.startswith(f"{settings.TANGO_EXTERNAL_REF_PREFIX}-") and len(ref) <= 100
    assert entry.external_ref_for(token, support) == ref
    assert entry.external_ref_for(entry.new_form_token(support), support) != ref
    with pytest.raises(entry.StaleForm, match="someone else"):
        entry.external_ref_for(token, make_user("Manager"))
    with pytest.raises(entry.StaleForm, match="cannot be submitted"):
        entry.external_ref_for(token[:-2] + "xx", support)
    forged = signing.dumps({"u": support.pk, "n": "mine"}, salt="another-salt")
    with pytest.raises(entry.StaleForm):
        entry.external_ref_for(forged, support)


def test_an_old_token_is_refused(support, monkeypatch):
    token = entry.new_form_token(support)
    monkeypatch.setattr(entry, "TOKEN_MAX_AGE", -1)
    with pytest.raises(entry.StaleForm, match="more than a day old"):
        entry.external_ref_for(token, support)


def test_below_the_limit_the_order_is_queued_and_enqueued(
    account, catalog, policy, support, actor, sent_tasks, django_capture_on_commit_callbacks
):
    token = entry.new_form_token(support)
    with django_capture_on_commit_callbacks(execute=True):
        entered = entry.enter_order(good(account), token=token, actor=actor)
    order = Order.objects.get()
    assert entered.order == order and not entered.repeated
    assert order.state == _P.QUEUED and order.created_by == support
    assert order.external_ref_id == entry.external_ref_for(token, support)
    assert (order.campaign, order.notes, order.purchase_order_number) == (
        "Q4",
        "ticket 4711",
        "PO-9",
    )
    assert (order.email_subject, order.message, order.sender_first_name) == (
        "Thanks!",
        "Great work.",
        "Acme",
    )
    assert entered.outcome is not None and entered.outcome.queued
    assert (
        entered.message
        == f"Order #{order.pk} created. Queued for placement: no approval rule applies."
    )
    assert sent_tasks == [(PLACE, {"order_id": order.pk})]


def test_above_the_limit_it_waits_with_the_rule_in_words(
    account, catalog, policy, support, actor, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entered = entry.enter_order(
            good(account, amount="600"), token=entry.new_form_token(support), actor=actor
        )
    order = entered.order
    order.refresh_from_db()
    assert order.state == _P.AWAITING_APPROVAL
    assert "amount 600.00 USD is above the 500.00 USD per-order limit" in entered.message
    assert entered.message.startswith(f"Order #{order.pk} created. Waiting for approval: ")
    assert list(ApprovalRequest.objects.get(order=order).makers.all()) == [entered.order.created_by]
    assert sent_tasks == []


def test_the_same_token_twice_creates_one_order(account, catalog, policy, support, actor):
    token = entry.new_form_token(support)
    first = entry.enter_order(good(account), token=token, actor=actor)
    again = entry.enter_order(good(account, amount="30"), token=token, actor=actor)
    assert Order.objects.count() == 1
    assert again.repeated and again.order == first.order and again.outcome is None
    assert "already submitted" in again.message and "nothing new was created" in again.message


def test_an_invalid_entry_writes_nothing(account, catalog, policy, support, actor):
    bad = good(account, amount="0", recipient_email="nope", etid="", message="m" * 1025)
    with pytest.raises(ValidationFailed) as failed:
        entry.enter_order(bad, token=entry.new_form_token(support), actor=actor)
    assert set(failed.value.problems.fields()) == {"amount", "recipient_email", "message"}
    assert not Order.objects.exists() and not AuditEntry.objects.exists()


def test_the_reward_must_be_in_the_synced_catalog(account, catalog):
    found = entry.validate_entry(good(account, utid="U999999")).as_dict()
    assert found == {"utid": ["U999999 is not in the synced catalog; pick a reward."]}
    assert entry.validate_entry(good(None)).as_dict() == {
        "account": ["Choose the account to pay from."]
    }


def test_an_address_left_from_another_method_is_not_used(account, catalog, support, actor):
    entered = good(account, address_street1="1 Main St", address_country="US")
    assert not entry.validate_entry(entered)
    order = entry.enter_order(entered, token=entry.new_form_token(support), actor=actor).order
    assert order.line_items.get().address_street1 == ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a real unique index race")
def test_concurrent_submits_of_one_form_create_one_order(account, catalog, support):
    token = entry.new_form_token(support)
    barrier = threading.Barrier(4)
    results: list[entry.Entered] = []

    def submit() -> None:
        from django.db import connections

        barrier.wait()
        try:
            results.append(
                entry.enter_order(good(account), token=token, actor=Actor.for_user(support))
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert Order.objects.count() == 1
    assert len(results) == 4
    assert sorted(r.repeated for r in results) == [False, True, True, True]
    assert {r.order.pk for r in results} == {Order.objects.get().pk}
