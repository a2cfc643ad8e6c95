"""validate_order's shape and length rules (orders/actions/validation_fields.py, TANGO_API.md
§4.1): one test per rule, each checking the field key and the words, and its boundary."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import Problems
from orders.actions.validation import check_order_details, methods_for_item, validate_order
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


def problems(*, item: Any = "reward link", **changes: Any) -> dict[str, list[str]]:
    if item == "reward link":
        item = CatalogItemFactory.build()
    return validate_order(
        account=AccountFactory.build(), catalog_item=item, **{**GOOD, **changes}
    ).as_dict()


ADDRESS = {
    "street1": "1 Main St",
    "city": "Austin",
    "state": "TX",
    "postal_code": "78701",
    "country": "US",
}


def mailed(**changes: Any) -> dict[str, list[str]]:
    address = {**ADDRESS, **changes.pop("address", {})}
    return problems(
        item=CatalogItemFactory.build(physical=True),
        utid="U300001",
        amount="50",
        delivery_method="ADDRESS",
        recipient_email="",
        address=address,
        **changes,
    )


def test_a_good_mailed_order_has_no_problems():
    assert mailed() == {}


@pytest.mark.parametrize("utid", ["X100001", "U-1", "U", "100001", "u12a"])
def test_a_utid_is_u_and_digits(utid):
    assert problems(utid=utid, item=None) == {
        "utid": ["A utid is U followed by digits, e.g. U561593."]
    }


def test_a_lower_case_utid_is_fine():
    assert problems(utid="u100001", item=None) == {}


@pytest.mark.parametrize("etid", ["E12345", "E1234567", "T000000", "E00000a"])
def test_an_etid_is_e_and_six_digits(etid):
    found = problems(etid=etid)
    assert found == {"etid": ["An email template id is E followed by 6 digits, e.g. E000000."]}
    assert problems(etid="e000123") == {}


def test_tango_texts_only_plus_one_numbers():
    found = problems(
        delivery_method="PHONE", recipient_email="", recipient_mobile="+44 7911 123456"
    )
    assert list(found) == ["recipient_mobile"]
    assert "only to +1 numbers" in found["recipient_mobile"][0]
    # WhatsApp goes to any country; a Canadian number texts fine.
    assert problems(delivery_method="WHATSAPP", recipient_mobile="+44 7911 123456") == {}
    assert problems(delivery_method="PHONE", recipient_mobile="+1 604 555 0123") == {}


def test_the_platform_offers_only_its_delivery_methods(settings):
    settings.TANGO_DELIVERY_METHODS = ["EMAIL", "NONE"]
    found = problems(delivery_method="PHONE", recipient_mobile="+14155550100")
    assert list(found) == ["delivery_method"]
    assert "not enabled for PHONE delivery" in found["delivery_method"][0]
    assert methods_for_item(CatalogItemFactory.build()) == ["NONE", "EMAIL"]


def test_methods_for_an_item_follow_its_channels():
    assert methods_for_item(CatalogItemFactory.build(physical=True)) == ["ADDRESS"]
    assert methods_for_item(CatalogItemFactory.build(fixed=True)) == [
        "NONE",
        "EMAIL",
        "PHONE",
        "WHATSAPP",
    ]
    assert "ADDRESS" in methods_for_item(None)  # unknown item: Tango judges


@pytest.mark.parametrize("key", ["recipient_first_name", "recipient_last_name"])
def test_digital_names_are_at_most_100_characters_without_angle_brackets(key):
    assert problems(**{key: "J" * 100}) == {}
    assert "at most 100 characters" in problems(**{key: "J" * 101})[key][0]
    assert problems(**{key: "Jane</b>"})[key] == [
        f"The recipient's {'first' if 'first' in key else 'last'} name cannot contain <, > or /."
    ]


@pytest.mark.parametrize("key", ["recipient_first_name", "recipient_last_name"])
def test_mailed_names_are_at_most_25_plain_characters(key):
    assert mailed(**{key: "Mary-Jane O.B. & Co"}) == {}
    assert "at most 25 characters on mail" in mailed(**{key: "J" * 26})[key][0]
    assert "only letters, digits, spaces" in mailed(**{key: "Zoë"})[key][0]


@pytest.mark.parametrize(("key", "limit"), [("street1", 35), ("street2", 35), ("city", 30)])
def test_address_lines_have_tangos_lengths(key, limit):
    assert mailed(address={key: "A" * limit}) == {}
    found = mailed(address={key: "A" * (limit + 1)})
    assert (
        list(found) == [f"address_{key}"]
        and f"at most {limit} characters" in found[f"address_{key}"][0]
    )


def test_a_us_or_canadian_state_is_its_two_letter_code():
    found = mailed(address={"state": "Texas"})
    assert found == {
        "address_state": ["For the US and Canada the state is its two-letter code, e.g. NY."]
    }
    assert (
        mailed(address={"country": "GB", "state": "Greater London", "postal_code": "SW1A 1AA"})
        == {}
    )
    assert "at most 35" in mailed(address={"country": "GB", "state": "L" * 36})["address_state"][0]


@pytest.mark.parametrize("postal_code", ["7870", "78701-1234", "ABCDE"])
def test_a_us_postal_code_is_a_five_digit_zip(postal_code):
    found = mailed(address={"postal_code": postal_code})
    assert found == {"address_postal_code": ["A US postal code is a 5-digit ZIP code."]}


@pytest.mark.parametrize("country", ["USA", "XX", "U", "12"])
def test_the_country_is_an_iso_code(country):
    found = mailed(address={"country": country})
    assert "two-letter ISO 3166-1 code" in found["address_country"][0]


def test_sender_names_and_email():
    assert (
        problems(
            sender_first_name="Acme", sender_last_name="Rewards", sender_email="r@acme.example"
        )
        == {}
    )
    found = problems(sender_first_name="A" * 101, sender_last_name="<Rewards>", sender_email="nope")
    assert set(found) == {"sender_first_name", "sender_last_name", "sender_email"}
    assert "at most 100 characters" in found["sender_first_name"][0]
    assert "cannot contain <, > or /" in found["sender_last_name"][0]
    assert found["sender_email"] == ["The sender's email address is not valid."]


@pytest.mark.parametrize(
    ("key", "limit"),
    [
        ("email_subject", 200),
        ("message", 1024),
        ("campaign", 1024),
        ("notes", 1024),
        ("purchase_order_number", 100),
    ],
)
def test_free_text_fields_have_their_limits(key, limit):
    assert problems(**{key: "x" * limit}) == {}
    found = problems(**{key: "x" * (limit + 1)})
    assert list(found) == [key] and f"at most {limit} characters" in found[key][0]


def test_every_field_problem_at_once():
    found = problems(
        utid="bad",
        item=None,
        etid="E1",
        message="m" * 1025,
        sender_email="x",
        recipient_first_name="<b>",
    )
    assert set(found) == {"utid", "etid", "message", "sender_email", "recipient_first_name"}


def test_a_bulk_orders_details_are_checked_once():
    found = Problems()
    check_order_details(found, {"campaign": "c" * 1025, "etid": "E1"})
    assert set(found.fields()) == {"campaign", "etid"}


@pytest.mark.django_db
def test_create_order_refuses_the_details_and_writes_nothing():
    from core.actor import Actor
    from core.errors import ValidationFailed
    from orders.actions.entry import create_order
    from orders.models import Order

    CatalogItemFactory()
    with pytest.raises(ValidationFailed) as failed:
        create_order(
            account=AccountFactory(),
            **GOOD,
            campaign="c" * 1025,
            sender_email="nope",
            actor=Actor.system(),
        )
    assert set(failed.value.problems.fields()) == {"campaign", "sender_email"}
    assert not Order.objects.exists()
