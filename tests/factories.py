"""factory-boy factories for the orders domain; `new_order` (entered through the action) and
`placed_line_item` / `at_tango` (mirrored at the installed FakeTango).

Defaults mirror the simulator's seed data (tango_sim/seed.py): customer `acme-main`, account
`acme-usd-01`, Reward Link `U100001` (variable 1-2000 USD), so an order built here can also be
placed at a running simulator. `django_get_or_create` on the natural keys lets several
factories share one customer/account/catalog row instead of colliding on unique constraints.

Build placed/held/failed states through the actions when a test cares about the timeline;
these factories only write rows.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.actor import Actor
from orders.actions.entry import create_order
from orders.models import Account, Brand, CatalogItem, Customer, LineItem, Order, OrderEvent
from orders.statuses import DeliveryMethod, PlacementState, ValueType
from tango.client import get_client
from tango.testing import FakeTango, tango_line_json


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user. `UserFactory(role="Manager")` also joins the role's group."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.django.Password("pw-for-tests-only")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if not create or not extracted:
            return
        from core.roles import ensure_roles

        self.groups.add(ensure_roles()[extracted])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("identifier",)

    identifier = "acme-main"
    display_name = "Acme Corporation"
    status = "ACTIVE"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ("identifier",)

    identifier = "acme-usd-01"
    customer = factory.SubFactory(CustomerFactory)
    display_name = "Acme USD main"
    account_number = "A10000001"
    currency = "USD"
    current_balance = Decimal("250000.00")
    status = "ACTIVE"
    contact_email = "finance@example.com"


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ("brand_key",)

    brand_key = "B000001"
    name = "Reward Link"
    status = "active"


class CatalogItemFactory(factory.django.DjangoModelFactory):
    """Variable-value Reward Link by default; see the `fixed` trait for a fixed-value card."""

    class Meta:
        model = CatalogItem
        django_get_or_create = ("utid",)

    utid = "U100001"
    brand = factory.SubFactory(BrandFactory)
    reward_name = "Reward Link"
    currency = "USD"
    value_type = ValueType.VARIABLE_VALUE
    face_value = None
    min_value = Decimal("1.00")
    max_value = Decimal("2000.00")
    reward_type = "reward link"
    delivery_methods = factory.LazyFunction(lambda: ["EMAIL", "PHONE", "EMBEDDED"])
    status = "active"

    class Params:
        # Starbucks Card $25 in the simulator's seed.
        fixed = factory.Trait(
            utid="U200025",
            brand=factory.SubFactory(BrandFactory, brand_key="B000020", name="Starbucks"),
            reward_name="Starbucks Card $25",
            value_type=ValueType.FIXED_VALUE,
            face_value=Decimal("25.00"),
            min_value=None,
            max_value=None,
            reward_type="gift card",
            delivery_methods=["EMAIL", "PHONE"],
        )
        # Physical Visa Prepaid Card in the simulator's seed.
        physical = factory.Trait(
            utid="U300001",
            brand=factory.SubFactory(BrandFactory, brand_key="B000060", name="Visa"),
            reward_name="Physical Visa Prepaid Card",
            min_value=Decimal("10.00"),
            max_value=Decimal("1000.00"),
            reward_type="physical gift card",
            delivery_methods=["ADDRESS"],
        )


def new_external_ref_id() -> str:
    return f"{settings.TANGO_EXTERNAL_REF_PREFIX}-{uuid.uuid4().hex}"


class OrderFactory(factory.django.DjangoModelFactory):
    """An order row in QUEUED state (not placed). Add `placed=True` for a placed one."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    external_ref_id = factory.LazyFunction(new_external_ref_id)
    account = factory.SubFactory(AccountFactory)
    customer = factory.LazyAttribute(lambda o: o.account.customer)
    amount = Decimal("25.00")
    currency = factory.LazyAttribute(lambda o: o.account.currency)
    state = PlacementState.QUEUED
    delivery_method = DeliveryMethod.EMAIL

    class Params:
        placed = factory.Trait(
            state=PlacementState.PLACED,
            reference_order_id=factory.Sequence(lambda n: f"RA260101-{1000 + n}-11"),
            tango_status="COMPLETE",
            amount_charged_value=factory.SelfAttribute("amount"),
            amount_charged_total=factory.SelfAttribute("amount"),
            amount_charged_currency=factory.SelfAttribute("currency"),
            placement_attempts=1,
        )

    # Every order gets its single line item (sync orders have exactly one); pass
    # `line_item=None` to skip it, or `line_item__recipient_email=...` to shape it.
    line_item = factory.RelatedFactory(
        "tests.factories.LineItemFactory", factory_related_name="order"
    )


class LineItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LineItem

    order = factory.SubFactory(OrderFactory, line_item=None)
    line_number = 1
    reference_line_item_id = factory.LazyAttribute(
        lambda li: (
            f"{li.order.reference_order_id}-{li.line_number}"
            if li.order.reference_order_id
            else None
        )
    )
    status = factory.LazyAttribute(lambda li: "COMPLETE" if li.order.reference_order_id else "")
    catalog_item = factory.SubFactory(CatalogItemFactory)
    utid = factory.LazyAttribute(lambda li: li.catalog_item.utid if li.catalog_item else "U100001")
    reward_name = factory.LazyAttribute(
        lambda li: li.catalog_item.reward_name if li.catalog_item else ""
    )
    amount = factory.LazyAttribute(lambda li: li.order.amount)
    currency = factory.LazyAttribute(lambda li: li.order.currency)
    delivery_method = factory.LazyAttribute(lambda li: li.order.delivery_method)
    recipient_first_name = "Jane"
    recipient_last_name = "Doe"
    recipient_email = factory.Sequence(lambda n: f"recipient{n}@example.com")


class OrderEventFactory(factory.django.DjangoModelFactory):
    """A timeline row as it is stored (the app writes them through orders.events)."""

    class Meta:
        model = OrderEvent

    order = factory.SubFactory(OrderFactory)
    kind = OrderEvent.Kind.NOTE
    source = "staff"
    occurred_at = factory.LazyFunction(timezone.now)


def at_tango(order: Order, fake: FakeTango | None = None) -> Order:
    """Let the fake Tango (by default the installed one: the `fake_tango` fixture) hold this
    placed order and its line items as they are locally, so calls about them are answered."""
    fake = fake or get_client()
    assert isinstance(fake, FakeTango), "install the fake first (the fake_tango fixture)"
    tango_order = fake.add(
        order.reference_order_id,
        with_line=False,
        created=order.tango_created_at or order.created_at,
        status=order.tango_status or "COMPLETE",
        amount=str(order.amount),
        external_ref=order.external_ref_id,
        account=order.account.identifier,
        customer=order.customer.identifier,
    )
    for line in order.line_items.all():
        fake.lines[line.reference_line_item_id] = tango_line_json(
            tango_order,
            referenceLineItemID=line.reference_line_item_id,
            lineNumber=line.line_number,
            status=line.status,
            rewardStatus=line.reward_status,
            canCancel=line.can_cancel,
            canFreeze=line.can_freeze,
            deliveryMethod=line.delivery_method,
        )
    return order


def new_order(
    account: Account, *, submit: bool = True, amount: str = "25.00", actor=None, **overrides
):
    """An order entered through orders.actions.entry.create_order (submitted by default)."""
    fields = {
        "account": account,
        "utid": "U100001",
        "amount": amount,
        "delivery_method": "EMAIL",
        "recipient_first_name": "Jane",
        "recipient_last_name": "Doe",
        "recipient_email": "jane@example.com",
        "actor": actor or Actor.system(),
        "submit": submit,
    }
    fields.update(overrides)
    return create_order(**fields)


def placed_line_item(**fields) -> LineItem:
    """The line item of a placed order, with `fields` set, held by the installed FakeTango."""
    order = OrderFactory(placed=True)
    line_item = order.line_items.get()
    for key, value in fields.items():
        setattr(line_item, key, value)
    line_item.save()
    at_tango(order)
    return line_item
