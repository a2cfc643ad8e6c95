"""Reissuing a Choice-product reward (entry.actions.reissue) against FakeTango, and the client."""

from __future__ import annotations

from decimal import Decimal

import pytest
import responses
from django.utils import timezone
from responses import matchers

from audit.models import AuditAction, AuditEntry
from core.actor import Actor
from core.errors import ActionNotAllowed, ValidationFailed
from entry.actions.reissue import reissue_blocker, reissue_line_item
from entry.actions.reissue_mirror import resolve_lost_reissue
from orders.models import LineItem, Order, OrderEvent
from tango.errors import TangoReissueLimit, TangoUnavailable
from tango.testing.payloads import BASE
from tests.factories import CatalogItemFactory, placed_line_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return Actor.for_user(make_user("Manager"))


@pytest.fixture
def reward(fake_tango) -> LineItem:
    """An issued Reward Link, held by the fake Tango."""
    return placed_line_item(
        status="COMPLETE", reward_status="ACTIVE", can_cancel=True, date_issued=timezone.now()
    )


def test_a_reissue_cancels_the_reward_and_mirrors_the_new_order(fake_tango, reward, manager):
    result = reissue_line_item(
        line_item_id=reward.pk,
        actor=manager,
        reason_code="RECIPIENT",
        amount="20.00",
        delivery_method="EMAIL",
        recipient_first_name="Bo",
        recipient_email="bo@example.com",
    )

    (call,) = [kw for name, kw in fake_tango.calls if name == "reissue_line_item"]
    assert call["reference_line_item_id"] == reward.reference_line_item_id
    assert call["amount"] == Decimal("20.00")
    assert call["recipient"] == {"first_name": "Bo", "email": "bo@example.com"}
    new = Order.objects.get(pk=result.order_id)
    assert new.reissue_of_id == reward.pk
    assert new.state == "placed" and new.reference_order_id
    new_line = new.line_items.get()
    assert new_line.recipient_email == "bo@example.com"
    assert new_line.amount == Decimal("20.00")
    reward.refresh_from_db()
    assert reward.status == "CANCELLED"  # re-read from Tango after the reissue
    assert OrderEvent.objects.filter(order=reward.order, kind="reissue").count() == 2  # asked, done
    assert OrderEvent.objects.filter(order=new, kind="reissue").count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.LINE_ITEM_REISSUE).count() == 1
    assert "Reissued: new order" in result.message
    assert reissue_blocker(reward).startswith("Already reissued as order")


def test_a_second_click_makes_no_second_call(fake_tango, reward, manager):
    reissue_line_item(line_item_id=reward.pk, actor=manager, reason_code="RECIPIENT")
    with pytest.raises(ActionNotAllowed):
        reissue_line_item(line_item_id=reward.pk, actor=manager, reason_code="RECIPIENT")
    assert fake_tango.count("reissue_line_item") == 1


def test_a_claimed_reward_is_not_sent_again(fake_tango, reward, manager):
    """Another tab's reissue is on its way: its claim stops this one before Tango is called."""
    LineItem.objects.filter(pk=reward.pk).update(reissue_requested_at=timezone.now())
    with pytest.raises(ActionNotAllowed, match="in progress"):
        reissue_line_item(line_item_id=reward.pk, actor=manager, reason_code="RECIPIENT")
    assert fake_tango.count("reissue_line_item") == 0


def test_a_lost_answer_is_adopted_by_looking_it_up_not_by_calling_again(
    fake_tango, reward, manager
):
    fake_tango.lose_next_reissue = True

    result = reissue_line_item(line_item_id=reward.pk, actor=manager, reason_code="RECIPIENT")

    assert fake_tango.count("reissue_line_item") == 1
    new = Order.objects.get(reissue_of=reward)
    assert result.order_id == new.pk
    assert "adopted" in result.message
    assert (
        new.reference_order_id
        == fake_tango.lines[new.line_items.get().reference_line_item_id]["referenceOrderID"]
    )


def test_when_tango_cannot_say_yet_the_claim_stays_and_a_task_resolves_it(
    fake_tango, reward, manager, sent_tasks, django_capture_on_commit_callbacks
):
    fake_tango.lose_next_reissue = True
    # The look-up right after the timeout fails too: Tango is still away.
    fake_tango.errors["get_line_item"] = [TangoUnavailable("still away")]

    with django_capture_on_commit_callbacks(execute=True):
        result = reissue_line_item(line_item_id=reward.pk, actor=manager, reason_code="RECIPIENT")

    assert result.order_id is None
    assert "not sent again" in result.message
    assert sent_tasks == [
        (
            "entry.tasks.resolve_reissue_task",
            {"line_item_id": reward.pk, "actor_id": manager.user.pk},
        )
    ]
    reward.refresh_from_db()
    assert reward.reissue_requested_at is not None  # still claimed: nobody reissues it twice
    assert reissue_blocker(reward).startswith("A reissue of this reward is in progress")

    # The task, a little later: Tango answers the look-up; the new order is adopted, once.
    assert resolve_lost_reissue(line_item_id=reward.pk, actor=manager, give_up=False) == "adopted"
    assert resolve_lost_reissue(line_item_id=reward.pk, actor=manager, give_up=False) == "adopted"
    assert Order.objects.filter(reissue_of=reward).count() == 1
    assert fake_tango.count("reissue_line_item") == 1


def test_a_lost_reissue_tango_never_made_is_released_at_last(fake_tango, reward, manager):
    LineItem.objects.filter(pk=reward.pk).update(reissue_requested_at=timezone.now())
    assert resolve_lost_reissue(line_item_id=reward.pk, actor=manager, give_up=False) == "waiting"
    assert resolve_lost_reissue(line_item_id=reward.pk, actor=manager, give_up=True) == "released"
    reward.refresh_from_db()
    assert reward.reissue_requested_at is None
    assert fake_tango.count("reissue_line_item") == 0


def test_tangos_refusal_releases_the_claim_and_says_why(fake_tango, reward, manager):
    fake_tango.errors["reissue_line_item"] = TangoReissueLimit(
        "A reward can be reissued at most 5 times", status_code=403, i18n_key="403.022"
    )
    with pytest.raises(ActionNotAllowed, match="limit of 5 reissues"):
        reissue_line_item(line_item_id=reward.pk, actor=manager, reason_code="RECIPIENT")
    reward.refresh_from_db()
    assert reward.reissue_requested_at is None
    assert not Order.objects.filter(reissue_of=reward).exists()


def test_every_problem_is_reported_by_field(fake_tango, reward, manager):
    with pytest.raises(ValidationFailed) as caught:
        reissue_line_item(
            line_item_id=reward.pk,
            actor=manager,
            reason_code="OTHER",
            delivery_method="ADDRESS",
            amount="-1",
        )
    assert {"other_reason", "delivery_method", "amount"} <= set(caught.value.problems.fields())
    with pytest.raises(ValidationFailed) as caught:
        reissue_line_item(
            line_item_id=reward.pk, actor=manager, reason_code="RECIPIENT", recipient_email="x"
        )
    assert "recipient_email" in caught.value.problems.fields()
    assert fake_tango.count("reissue_line_item") == 0


def test_what_cannot_be_reissued_says_why(fake_tango, reward):
    assert reissue_blocker(reward) is None
    reward.can_cancel = False  # Tango's flag: the window closed, or it was redeemed
    assert "does not allow a reissue of this reward now" in reissue_blocker(reward)
    reward.can_cancel = True
    reward.catalog_item = CatalogItemFactory(fixed=True)
    assert "Choice products only" in reissue_blocker(reward)
    reward.catalog_item = None
    reward.status = "FAILED"
    assert reissue_blocker(reward) == "Only issued (COMPLETE) rewards can be reissued."


def test_the_fifth_reissue_is_the_last(fake_tango, reward, manager):
    current = reward
    for _ in range(5):
        result = reissue_line_item(
            line_item_id=current.pk, actor=manager, reason_code="OTHER", other_reason="again"
        )
        current = Order.objects.get(pk=result.order_id).line_items.get()
        LineItem.objects.filter(pk=current.pk).update(status="COMPLETE", date_issued=timezone.now())
        current.refresh_from_db()
    assert "reissued 5 times already" in reissue_blocker(current)


# --- the client (TANGO_API.md §7.3) -----------------------------------------------------------


def test_the_client_posts_the_reissue_and_returns_the_new_order(tango_client):
    with responses.RequestsMock() as mocked:
        mocked.post(
            f"{BASE}/lineItems/RA1-1/reissue",
            status=201,
            json={
                "referenceOrderID": "RA2",
                "referenceLineItemID": "RA2-1",
                "status": "COMPLETE",
                "amountCharged": {"value": 20.0, "currencyCode": "USD", "total": 20.0},
            },
            match=[
                matchers.json_params_matcher(
                    {
                        "reasonCode": "RECIPIENT",
                        "amount": 20.0,
                        "deliveryMethod": "EMAIL",
                        "recipient": {"email": "bo@example.com", "mobileNumber": "+15551230000"},
                    }
                )
            ],
        )
        result = tango_client.reissue_line_item(
            "RA1-1",
            reason_code="RECIPIENT",
            amount=Decimal("20.00"),
            delivery_method="EMAIL",
            recipient={"email": "bo@example.com", "mobile_number": "+15551230000"},
        )
    assert result.order.reference_order_id == "RA2"
    assert result.new_reference_line_item_id == "RA2-1"
    assert result.reissued_from == "RA1-1"


@pytest.mark.parametrize(
    ("key", "headline"),
    [
        ("403.022", "limit of 5 reissues"),
        ("403.019", "window for changing this reward has passed"),
        ("403.018", "Choice products only"),
        ("403.010", "current status"),
    ],
)
def test_the_clients_reissue_refusals_are_typed(tango_client, key, headline):
    from tango.errors import TangoActionRefused
    from tango.testing import payloads as p

    with responses.RequestsMock() as mocked:
        mocked.post(f"{BASE}/lineItems/RA1-1/reissue", status=403, json=p.envelope(403, key, "no"))
        with pytest.raises(TangoActionRefused) as caught:
            tango_client.reissue_line_item("RA1-1", reason_code="FRAUD")
    assert caught.value.i18n_key == key
    assert headline in str(caught.value)


@pytest.fixture
def tango_client():
    from tango import TangoClient
    from tango.testing.payloads import PLATFORM_KEY, PLATFORM_NAME

    return TangoClient(base_url=BASE, platform_name=PLATFORM_NAME, platform_key=PLATFORM_KEY)


def test_the_resolver_task_adopts_a_lost_reissue(fake_tango, reward, manager):
    from entry.tasks import resolve_reissue_task

    fake_tango.lose_next_reissue = True
    fake_tango.errors["get_line_item"] = [TangoUnavailable("still away")]
    assert (
        reissue_line_item(line_item_id=reward.pk, actor=manager, reason_code="RECIPIENT").order_id
        is None
    )

    # Called as the worker would, after its countdown (no eager mode: the function itself).
    assert resolve_reissue_task.run(line_item_id=reward.pk, actor_id=manager.user.pk) == "adopted"
    new = Order.objects.get(reissue_of=reward)
    assert new.created_by == manager.user
    assert fake_tango.count("reissue_line_item") == 1
