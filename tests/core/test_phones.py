"""The one phone rule (core/phones.py), used by the resend form and by placement."""

from __future__ import annotations

import pytest

from core import phones
from orders.forms import ResendForm

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize(
    ("entered", "stored"),
    [
        ("+14155550100", "+14155550100"),
        ("+1 (415) 555-0100", "+14155550100"),
        (" +44 20 7946 0958 ", "+442079460958"),
    ],
)
def test_valid_numbers_come_back_in_e164(entered, stored) -> None:
    assert phones.normalize_mobile(entered) == stored
    assert phones.is_mobile(entered) and phones.as_e164(entered) == stored


@pytest.mark.parametrize(
    "entered",
    [
        "",
        "555-0100",  # no country code: which country?
        "4155550100",
        "+12",  # the old placement regex let 2 digits through
        "+1555",
        "+15551234567",  # 555 is no US area code: the old 7-15 digit regexes took it
        "+4420",
        "call me",
    ],
)
def test_numbers_the_rule_refuses_say_how_to_write_one(entered) -> None:
    with pytest.raises(ValueError, match=r"international format with the country code"):
        phones.normalize_mobile(entered)
    assert not phones.is_mobile(entered)
    assert phones.as_e164(entered) == entered  # kept as entered where the rule does not apply


def test_tango_texts_only_north_american_numbers() -> None:
    assert phones.is_north_american(phones.normalize_mobile("+1 416 555 0199"))
    assert not phones.is_north_american(phones.normalize_mobile("+442079460958"))


def _resend_form(mobile: str) -> ResendForm:
    return ResendForm(
        data={
            "destination": "mobile",
            "new_mobile": mobile,
            "same_recipient": "on",
            "reason_code": "DELIVERY_INFO",
            "reason": "new phone",
        }
    )


def test_the_resend_form_uses_the_rule_and_stores_e164() -> None:
    form = _resend_form("+1 (415) 555-0100")
    assert form.is_valid(), form.errors
    assert form.target().new_mobile == "+14155550100"

    refused = _resend_form("+1555")
    assert not refused.is_valid()
    assert "international format" in refused.errors["new_mobile"][0]
