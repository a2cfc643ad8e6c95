"""Reissue against the simulator over HTTP: Tango shows the cancel and the new order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.actor import Actor
from core.errors import ActionNotAllowed
from entry.actions.reissue import reissue_line_item
from orders.actions.entry import create_order
from orders.actions.placement import place_order
from orders.models import Account, LineItem, Order, OrderEvent
from orders.statuses import PlacementState
from orders.sync import passes, reference

pytestmark = pytest.mark.integration


@pytest.fixture
def sim(db, tmp_path, settings):
    from tango.client import reset_client
    from tango_sim.testing import running_simulator

    with running_simulator(tmp_path, TANGO_SIM_ORDER_TPS="0") as handle:
        settings.TANGO_BASE_URL = handle.base_url
        settings.TANGO_ORDER_RATE = 0
        reset_client()
        try:
            reference.sync_accounts()
            reference.sync_catalog(force=True)
            yield handle
        finally:
            reset_client()


def _issued_reward_link(amount: str = "30.00") -> LineItem:
    """A Reward Link placed at the simulator by our own placement, then refreshed."""
    order = create_order(
        account=Account.objects.get(identifier="acme-usd-01"),
        utid="U100001",
        amount=amount,
        delivery_method="EMAIL",
        recipient_first_name="Bo",
        recipient_last_name="Lee",
        recipient_email="bo@example.com",
        actor=Actor.system(),
    )
    place_order(order_id=order.pk)
    passes.refresh_order(order_id=order.pk)
    line = LineItem.objects.select_related("order", "catalog_item").get(order=order)
    assert line.status == "COMPLETE" and line.reference_line_item_id
    return line


def test_the_simulator_shows_the_reissues_cancel_and_new_order(sim, make_user):
    from tango.client import get_client

    manager = make_user("Manager")
    line = _issued_reward_link()

    result = reissue_line_item(
        line_item_id=line.pk,
        actor=Actor.for_user(manager),
        reason_code="RECIPIENT",
        amount="20.00",
        recipient_email="bo.new@example.com",
    )

    client = get_client()
    original = client.get_line_item(line.reference_line_item_id)
    assert original.status == "CANCELLED"
    assert original.reward_status == "CANCELLED"
    new_ref = original.reissued_to
    assert new_ref
    fresh = client.get_line_item(new_ref)
    assert fresh.reissued_from == line.reference_line_item_id
    assert fresh.amount_issued.value == Decimal("20.00")
    at_tango = client.get_order(fresh.reference_order_id)
    assert at_tango.recipient.email == "bo.new@example.com"
    assert sim.stats()["counters"]["reissues"] == 1

    # Mirrored here: the new order, linked to the reward it replaced, both synced.
    new = Order.objects.get(pk=result.order_id)
    assert new.reissue_of_id == line.pk
    assert new.reference_order_id == fresh.reference_order_id
    assert new.state == PlacementState.PLACED
    assert new.line_items.get().reference_line_item_id == new_ref
    line.refresh_from_db()
    assert line.status == "CANCELLED"
    kinds = OrderEvent.objects.filter(kind=OrderEvent.Kind.REISSUE)
    assert kinds.filter(order=line.order, message__contains=f"reissued as order {new.pk}").exists()
    assert kinds.filter(order=new, message__startswith="Reissue of line 1").exists()

    # The cancelled original cannot be reissued twice (and nothing is sent).
    with pytest.raises(ActionNotAllowed, match="Already reissued"):
        reissue_line_item(line_item_id=line.pk, actor=Actor.for_user(manager), reason_code="OTHER")
    assert sim.stats()["counters"]["reissues"] == 1


def test_a_reissue_the_simulator_refuses_releases_the_claim(sim, make_user):
    line = _issued_reward_link()
    # Only the simulator's clock moves six days on: the canCancel we stored (before) still
    # lets it through, so the refusal is Tango's own (403.019, the window passed).
    sim.advance(6 * 24 * 3600)

    with pytest.raises(ActionNotAllowed, match=r"403\.019"):
        reissue_line_item(
            line_item_id=line.pk,
            actor=Actor.for_user(make_user("Manager")),
            reason_code="DELIVERY_INFO",
        )
    line.refresh_from_db()
    assert line.reissue_requested_at is None  # free for another try: nothing changed at Tango
    assert "not made" in OrderEvent.objects.filter(kind="reissue").first().message
