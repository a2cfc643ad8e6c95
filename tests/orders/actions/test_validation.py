"""validate_order (orders/actions/validation.py): every problem, keyed by the field it is about.

One test per rule (the field key and the words), then: a bad input gets all its problems at
once, and the entry points raise ValidationFailed carrying them (per line for bulk orders).
The validator reads nothing from the database: these run on unsaved rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.actor import Actor
from core.errors import ValidationFailed
from orders.actions import entry
from orders.actions.validation import parse_amount, validate_order
from orders.models import Order
from tests.factories import AccountFactory, CatalogItemFactory

pytestmark = pytest.mark.smoke

GOOD: dict[str, Any] = {
    "utid": "U100001",
    "amount": "25.00",
    "delivery_method": "EMAIL",
    "recipient_first_name": "Jane",
    "recipient_last_name": "Doe",
    "recipient_email": "jane@example.com",
}


def problems(*, account=None, item: Any = "reward link", **changes: Any) -> dict[str, list[str]]:
    if item == "reward link":
        item = CatalogItemFactory.build()
    return validate_order(
        account=account or AccountFactory.build(),
        catalog_item=item,
        **{**GOOD, **changes},
    ).as_dict()


def test_a_good_order_has_no_problems():
    assert problems() == {}
    assert problems(item=None, utid="U999999") == {}  # unknown items are Tango's to judge


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("abc", "is not a number"),
        ("-1", "greater than zero"),
        ("0", "greater than zero"),
        ("10.005", "at most 2 decimal places"),
        ("1000000", "at most 6 digits"),
    ],
)
def test_amount_must_be_a_positive_sum_of_money(amount, words):
    found = problems(amount=amount, item=None)
    assert list(found) == ["amount"] and words in found["amount"][0]


def test_parse_amount_contributes_a_problem_instead_of_raising():
    assert parse_amount("12.5") == Decimal("12.50")
    assert parse_amount("abc") is None  # no Problems given: just None


def test_the_account_must_be_active():
    found = problems(account=AccountFactory.build(status="INACTIVE"))
    assert list(found) == ["account"] and "only accepts orders on ACTIVE" in found["account"][0]


def test_the_delivery_method_must_be_one_a_new_order_can_use():
    found = problems(delivery_method="BULKSHIPMENT", item=None, address={})
    assert "cannot be used for a new order" in found["delivery_method"][0]


def test_a_utid_is_required():
    assert problems(utid=" ", item=None) == {"utid": ["A utid is required."]}


def test_the_catalog_item_must_be_active():
    found = problems(item=CatalogItemFactory.build(status="inactive"))
    assert found == {"utid": ["Reward Link (U100001) is inactive in Tango's catalog."]}


def test_a_fixed_value_item_takes_exactly_its_value():
    found = problems(item=CatalogItemFactory.build(fixed=True), utid="U200025", amount="20")
    assert list(found) == ["amount"] and "fixed value of 25.00 USD" in found["amount"][0]


@pytest.mark.parametrize(
    ("amount", "words"), [("0.50", "starts at 1.00 USD"), ("2500", "goes up to 2000.00 USD")]
)
def test_a_variable_item_has_its_range(amount, words):
    found = problems(amount=amount)
    assert list(found) == ["amount"] and words in found["amount"][0]


def test_a_mailed_item_cannot_go_without_delivery():
    found = problems(item=CatalogItemFactory.build(physical=True), delivery_method="NONE")
    assert found == {
        "delivery_method": [
            "Physical Visa Prepaid Card (U300001) is mailed; NONE delivery is not possible."
        ]
    }


def test_the_item_must_support_the_delivery_method():
    found = problems(
        delivery_method="ADDRESS",
        address={
            "street1": "1 Main St",
            "city": "Austin",
            "state": "TX",
            "postal_code": "78701",
            "country": "US",
        },
    )
    assert list(found) == ["delivery_method"]
    assert "cannot be delivered by ADDRESS" in found["delivery_method"][0]


def test_the_first_name_is_required_when_tango_delivers():
    found = problems(recipient_first_name=" ")
    assert found == {"recipient_first_name": ["The recipient's first name is required."]}
    assert problems(recipient_first_name="", delivery_method="NONE", item=None) == {}


def test_an_email_is_required_for_email_delivery():
    found = problems(recipient_email="")
    assert found == {"recipient_email": ["An email address is required for EMAIL delivery."]}


@pytest.mark.parametrize("email", ["jane@", "jane example.com", "jane@@example.com"])
def test_an_email_must_be_valid(email):
    found = problems(recipient_email=email)
    assert found == {"recipient_email": ["The recipient's email address is not valid."]}


def test_the_part_before_the_at_sign_has_tangos_limit():
    assert problems(recipient_email=f"{'j' * 64}@example.com") == {}
    found = problems(recipient_email=f"{'j' * 65}@example.com")
    assert (
        list(found) == ["recipient_email"]
        and "at most 64 characters" in found["recipient_email"][0]
    )


@pytest.mark.parametrize("method", ["PHONE", "WHATSAPP"])
def test_a_valid_mobile_number_is_required_for_texts(method):
    found = problems(delivery_method=method, recipient_email="", recipient_mobile="555-0100")
    assert (
        list(found) == ["recipient_mobile"]
        and "international format" in found["recipient_mobile"][0]
    )
    assert problems(delivery_method=method, recipient_mobile="+1 (415) 555-0100") == {}


def test_mail_needs_a_last_name_and_every_part_of_the_address():
    found = problems(
        item=CatalogItemFactory.build(physical=True),
        utid="U300001",
        amount="50",
        delivery_method="ADDRESS",
        recipient_last_name="",
        address={"street1": "1 Main St", "country": "US"},
    )
    sentence = "The mailing address needs: city, state, postal code."
    assert found == {
        "recipient_last_name": ["The recipient's last name is required for mail."],
        "address_city": [sentence],
        "address_state": [sentence],
        "address_postal_code": [sentence],
    }


def test_an_address_is_only_for_mail():
    found = problems(address={"street1": "1 Main St", "city": "Austin"})
    message = "A mailing address is only used with ADDRESS delivery."
    assert found == {"address_street1": [message], "address_city": [message]}


def test_every_problem_of_a_bad_order_comes_back_together():
    found = problems(
        account=AccountFactory.build(status="FROZEN"),
        amount="abc",
        recipient_first_name="",
        recipient_email="not-an-email",
        address={"street1": "1 Main St"},
    )
    assert list(found) == [
        "amount",
        "account",
        "recipient_first_name",
        "recipient_email",
        "address_street1",
    ]


@pytest.mark.django_db
def test_create_order_raises_all_problems_and_says_them_in_one_sentence():
    account = AccountFactory(status="INACTIVE")
    with pytest.raises(ValidationFailed) as caught:
        entry.create_order(
            account=account,
            actor=Actor.system(),
            **{**GOOD, "amount": "-1", "recipient_email": ""},
        )
    assert set(caught.value.problems.fields()) == {"amount", "account", "recipient_email"}
    text = str(caught.value)
    assert "greater than zero" in text and "ACTIVE accounts" in text and "email" in text
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_bulk_order_keys_each_lines_problems_by_line_number():
    account = AccountFactory(async_orders_enabled=True)
    lines = [
        {**GOOD, "recipient_email": "a@example.com"},
        {**GOOD, "amount": "abc", "recipient_email": ""},
        {**GOOD, "utid": ""},
    ]
    with pytest.raises(ValidationFailed) as caught:
        entry.create_bulk_order(account=account, lines=lines, actor=Actor.system())
    found = caught.value.problems.as_dict()
    assert set(found) == {"lines[2].amount", "lines[2].recipient_email", "lines[3].utid"}
    assert found["lines[3].utid"] == ["Line 3: A utid is required."]
    assert str(caught.value).startswith("Line 2: Amount 'abc' is not a number.")
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_bulk_order_says_an_accounts_problem_once():
    account = AccountFactory(async_orders_enabled=False, status="INACTIVE")
    with pytest.raises(entry.BulkOrdersNotAllowed) as caught:
        entry.create_bulk_order(account=account, lines=[GOOD, GOOD], actor=Actor.system())
    assert list(caught.value.problems.fields()) == ["account"]
    assert len(caught.value.problems.as_dict()["account"]) == 2  # inactive; not enabled
