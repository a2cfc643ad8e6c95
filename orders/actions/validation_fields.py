"""Tango's shape and length rules of an order's fields (TANGO_API.md §4.1), for validate_order.

validation.py decides what an order needs (an account, a reward, a recipient for the method);
this module checks that what was entered has the form Tango accepts: the utid and etid
patterns, name and address lengths and characters, the +1-only text rule, the platform's
delivery methods and the limits of sender, subject, message, campaign, notes and PO number.
Where the documents disagree on a limit we take the one the simulator (our Tango) enforces.
Every function adds to `problems` under the entry field's key and returns nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import phonenumbers
from django.conf import settings

from core import emails, phones
from core.errors import Problems
from orders.statuses import PHYSICAL_DELIVERY_METHODS, DeliveryMethod

UTID_RE = re.compile(r"^[uU]\d+$")
ETID_RE = re.compile(r"^[eE]\d{6}$")
# Digital rewards: names up to 100 characters without < > /; mailed rewards: up to 25
# letters, digits, spaces and . , & - (what fits on a card carrier).
DIGITAL_NAME_MAX = 100
PHYSICAL_NAME_MAX = 25
_DIGITAL_NAME_BAD = re.compile(r"[<>/]")
_PHYSICAL_NAME_OK = re.compile(r"^[A-Za-z0-9 .,&-]*$")
# Tango's documented address limits (the schema allows more; the printer does not).
ADDRESS_MAX = {"street1": 35, "street2": 35, "city": 30, "state": 35}
_US_ZIP = re.compile(r"^\d{5}$")
_STATE_CODE = re.compile(r"^[A-Za-z]{2}$")
# Free-text fields of the order and their limits (the simulator's, [REF]'s where it has one).
TEXT_MAX = {
    "email_subject": ("The email subject", 200),
    "message": ("The message", 1024),
    "campaign": ("The campaign", 1024),
    "notes": ("The notes", 1024),
    "purchase_order_number": ("The purchase order number", 100),
}


def check_utid(problems: Problems, utid: str) -> None:
    if utid.strip() and not UTID_RE.match(utid.strip()):
        problems.add("utid", "A utid is U followed by digits, e.g. U561593.")


def check_platform_method(problems: Problems, delivery_method: str) -> None:
    """A method Tango accepts on create that this platform is not enabled for."""
    if delivery_method not in platform_methods():
        problems.add(
            "delivery_method",
            f"This Tango platform is not enabled for {delivery_method} delivery "
            f"(it is enabled for {', '.join(platform_methods())}).",
        )


def platform_methods() -> list[str]:
    return list(settings.TANGO_DELIVERY_METHODS)


def check_text_number(problems: Problems, delivery_method: str, mobile: str) -> None:
    """Tango texts rewards only to +1 (US / Canada) numbers; WhatsApp goes anywhere."""
    if delivery_method != DeliveryMethod.PHONE or not phones.is_mobile(mobile):
        return  # a missing or invalid number is validation.py's problem, said once
    if not phones.is_north_american(phones.normalize_mobile(mobile)):
        problems.add(
            "recipient_mobile",
            "Tango texts rewards only to +1 numbers (US and Canada); use WHATSAPP or EMAIL "
            "for this recipient.",
        )


def check_recipient_names(
    problems: Problems, delivery_method: str, *, first_name: str, last_name: str
) -> None:
    mailed = delivery_method in PHYSICAL_DELIVERY_METHODS
    for key, label, value in (
        ("recipient_first_name", "The recipient's first name", first_name),
        ("recipient_last_name", "The recipient's last name", last_name),
    ):
        if mailed:
            _check_physical_name(problems, key, label, value.strip())
        else:
            _check_digital_name(problems, key, label, value.strip())


def check_sender(problems: Problems, *, first_name: str, last_name: str, email: str) -> None:
    _check_digital_name(problems, "sender_first_name", "The sender's first name", first_name)
    _check_digital_name(problems, "sender_last_name", "The sender's last name", last_name)
    problem = emails.email_problem(email.strip()) if email.strip() else None
    if problem:
        sentence = "The sender's email address is not valid."
        problems.add("sender_email", sentence if problem == emails.NOT_VALID else problem)


def check_address(problems: Problems, address: Mapping[str, str]) -> None:
    """Lengths and formats of a mailing address (`address` cleaned: every key, stripped)."""
    country = address["country"].upper()
    if country and not (len(country) == 2 and country in phonenumbers.SUPPORTED_REGIONS):
        problems.add(
            "address_country", "The country is a two-letter ISO 3166-1 code, e.g. US or CA."
        )
    for key, limit in ADDRESS_MAX.items():
        if len(address[key]) > limit:
            label = key.replace("street", "street line ")
            problems.add(f"address_{key}", f"The {label} can have at most {limit} characters.")
    state = address["state"]
    if country in ("US", "CA") and state and not _STATE_CODE.match(state):
        problems.add(
            "address_state", "For the US and Canada the state is its two-letter code, e.g. NY."
        )
    if country == "US" and address["postal_code"] and not _US_ZIP.match(address["postal_code"]):
        problems.add("address_postal_code", "A US postal code is a 5-digit ZIP code.")


def check_details(problems: Problems, *, etid: str, **texts: str) -> None:
    """The template id and the free-text fields (TEXT_MAX's keys)."""
    if etid.strip() and not ETID_RE.match(etid.strip()):
        problems.add("etid", "An email template id is E followed by 6 digits, e.g. E000000.")
    for key, value in texts.items():
        label, limit = TEXT_MAX[key]
        if len(value) > limit:
            problems.add(key, f"{label} can have at most {limit} characters.")


def _check_digital_name(problems: Problems, key: str, label: str, value: str) -> None:
    if len(value) > DIGITAL_NAME_MAX:
        problems.add(key, f"{label} can have at most {DIGITAL_NAME_MAX} characters.")
    if _DIGITAL_NAME_BAD.search(value):
        problems.add(key, f"{label} cannot contain <, > or /.")


def _check_physical_name(problems: Problems, key: str, label: str, value: str) -> None:
    if len(value) > PHYSICAL_NAME_MAX:
        problems.add(key, f"{label} can have at most {PHYSICAL_NAME_MAX} characters on mail.")
    if not _PHYSICAL_NAME_OK.match(value):
        problems.add(
            key, f"{label} can use only letters, digits, spaces and . , & - on mailed rewards."
        )
