"""Entering orders (orders/actions/entry.py): what create_order stores, validates and enqueues.

`new_order` (tests/factories.py) enters one through the action; the fake Tango and the
enqueued-task recorder come from tests/orders/actions/conftest.py.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import transaction

from audit.models import AuditEntry
from core.actor import Actor
from core.errors import ValidationFailed
from orders.actions.holds import submit_order
from orders.models import Order, OrderEvent
from orders.statuses import PlacementState
from tests.factories import AccountFactory, CatalogItemFactory, UserFactory, new_order

# Also run on the embedded SQLite default in CI's smoke lane.
pytestmark = pytest.mark.smoke


@pytest.mark.django_db
def test_create_order_stores_order_line_item_timeline_and_enqueues_after_commit(
    account, catalog, enqueued, django_capture_on_commit_callbacks, settings
):
    settings.TANGO_EXTERNAL_REF_PREFIX = "acme"
    staff = UserFactory(role="Manager")
    with django_capture_on_commit_callbacks() as callbacks:
        order = new_order(account, actor=Actor.for_user(staff), campaign="Q3")
        assert enqueued == []  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert enqueued == [order.pk]

    order.refresh_from_db()
    assert order.state == PlacementState.QUEUED
    assert order.external_ref_id.startswith("acme-") and len(order.external_ref_id) == 37
    assert order.customer_id == account.customer_id and order.created_by == staff
    line_item = order.line_items.get()
    assert (line_item.utid, line_item.reward_name, line_item.amount) == (
        "U100001",
        "Reward Link",
        Decimal("25.00"),
    )
    assert line_item.catalog_item == catalog
    event = order.events.get()
    assert event.kind == OrderEvent.Kind.CREATED and event.actor == staff
    assert AuditEntry.objects.filter(action="order.create", object_id=str(order.pk)).count() == 1


@pytest.mark.django_db
def test_draft_is_not_enqueued_until_submitted(
    account, catalog, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = new_order(account, submit=False)
    assert callbacks == [] and order.state == PlacementState.DRAFT
    with django_capture_on_commit_callbacks(execute=True):
        assert submit_order(order_id=order.pk, actor=Actor.system()) is True
    assert enqueued == [order.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert submit_order(order_id=order.pk, actor=Actor.system()) is False
    assert enqueued == [order.pk]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_enqueued_when_the_transaction_rolls_back(account, catalog, enqueued):
    with pytest.raises(RuntimeError), transaction.atomic():
        new_order(account)
        raise RuntimeError("the surrounding request failed")
    assert Order.objects.count() == 0
    assert enqueued == []

    order = new_order(account)  # autocommit: enqueued right after its own commit
    assert enqueued == [order.pk]


@pytest.mark.django_db
def test_unknown_utid_is_left_for_tango_to_judge(account, enqueued):
    order = new_order(account, utid="u999999")
    line_item = order.line_items.get()
    assert line_item.catalog_item is None and line_item.utid == "U999999"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "2500"}, "goes up to 2000.00 USD; 2500.00 is too high"),
        ({"amount": "0.50"}, "starts at 1.00 USD"),
        ({"amount": "10.005"}, "at most 2 decimal places"),
        ({"amount": "-1"}, "greater than zero"),
        ({"amount": "abc"}, "is not a number"),
        ({"delivery_method": "ADDRESS"}, "cannot be delivered by ADDRESS"),
        ({"delivery_method": "BULKSHIPMENT"}, "cannot be used for a new order"),
        ({"recipient_email": ""}, "email address is required"),
        ({"recipient_first_name": " "}, "first name is required"),
        ({"delivery_method": "PHONE", "recipient_mobile": "555-0100"}, "international format"),
        ({"address": {"street1": "1 Main St"}}, "only used with ADDRESS delivery"),
    ],
)
@pytest.mark.django_db
def test_create_order_validation_messages(account, catalog, enqueued, overrides, message):
    with pytest.raises(ValidationFailed, match=re.escape(message)):
        new_order(account, **overrides)
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_fixed_value_inactive_physical_and_account_checks(account, enqueued):
    CatalogItemFactory(fixed=True)
    with pytest.raises(ValidationFailed, match=r"fixed value of 25\.00 USD"):
        new_order(account, utid="U200025", amount="20")
    assert new_order(account, utid="U200025", amount="25").amount == Decimal("25.00")

    CatalogItemFactory(utid="U200999", reward_name="Discontinued", status="inactive")
    with pytest.raises(ValidationFailed, match="is inactive in Tango's catalog"):
        new_order(account, utid="U200999")

    CatalogItemFactory(physical=True)
    mail = {"delivery_method": "ADDRESS", "utid": "U300001", "amount": "50"}
    with pytest.raises(ValidationFailed, match="needs: city, state, postal code"):
        new_order(account, address={"street1": "1 Main St", "country": "US"}, **mail)
    with pytest.raises(ValidationFailed, match="NONE delivery is not possible"):
        new_order(account, utid="U300001", amount="50", delivery_method="NONE")
    address = {"street1": "1 Main St", "city": "Austin", "state": "TX"}
    order = new_order(account, address={**address, "postal_code": "78701", "country": "us"}, **mail)
    assert order.line_items.get().address_country == "US"

    inactive = AccountFactory(identifier="initech-usd-01", status="INACTIVE")
    with pytest.raises(ValidationFailed, match="only accepts orders on ACTIVE"):
        new_order(inactive)
