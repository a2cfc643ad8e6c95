"""Right after placement (issue 8, item 14): the line item says what Tango's create response
said, claims nothing Tango has not said yet, and the order is re-read once after the commit."""

from __future__ import annotations

import pytest

from orders.actions.placement import Outcome, place_order
from orders.actions.rewards import line_item_action_blocker
from orders.sync import passes
from tests.factories import new_order

REFRESH = "orders.tasks.sync.refresh_order_task"


@pytest.fixture
def placed(account, catalog, tango, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = new_order(account)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert place_order(order_id=order.pk).outcome == Outcome.PLACED
    return order


@pytest.mark.django_db
def test_placement_enqueues_one_refresh_after_the_commit(placed, enqueued):
    assert enqueued == [(REFRESH, {"order_id": placed.pk})]


@pytest.mark.django_db
def test_no_refresh_is_sent_when_placement_did_not_happen(
    account, catalog, tango, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = new_order(account)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        place_order(order_id=order.pk)
        place_order(order_id=order.pk)  # a duplicate delivery: not claimed, nothing re-read
    assert enqueued == [(REFRESH, {"order_id": order.pk})]


@pytest.mark.django_db
def test_before_the_refresh_cancel_and_freeze_do_not_claim_it_may_be_redeemed(placed):
    line = placed.line_items.get()
    assert line.status == "COMPLETE" and line.reference_line_item_id
    assert (line.can_cancel, line.can_freeze) == (None, None)  # Tango has not said yet
    for action in ("cancel", "freeze"):
        blocker = line_item_action_blocker(line, action)
        assert blocker and "redeemed" not in blocker
        assert "not said yet" in blocker


@pytest.mark.django_db
def test_the_refresh_brings_email_and_reward_status_and_what_tango_allows(placed, tango):
    ref = placed.line_items.get().reference_line_item_id
    tango.lines[ref].update(
        emailStatus="SENT", rewardStatus="ACTIVE", canCancel=True, canFreeze=False
    )
    passes.refresh_order(order_id=placed.pk)
    line = placed.line_items.get()
    assert (line.email_status, line.reward_status) == ("SENT", "ACTIVE")
    assert (line.can_cancel, line.can_freeze) == (True, False)
    assert line_item_action_blocker(line, "cancel") is None
    assert "does not allow" in line_item_action_blocker(line, "freeze")


@pytest.mark.django_db
def test_the_detail_page_says_statuses_are_on_their_way(placed, client, make_user):
    client.force_login(make_user("Manager"))
    page = client.get(f"/orders/{placed.pk}/").content.decode()
    assert "Email: not reported yet" in page
    assert "Reward: not reported yet" in page
    assert "does not allow" not in page and "Tango has not said yet" in page
