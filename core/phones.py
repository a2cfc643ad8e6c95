"""THE phone-number rule: what counts as a mobile number we can hand to Tango.

Google's libphonenumber (the `phonenumbers` package) decides, not a regex: it knows each
country's number lengths and ranges, so "+1 555 0100" (too short for the US) and
"+44 20 7946 095" are refused while a formatted "+1 (415) 555-0100" is accepted and stored as
E.164 (+14155550100), the format Tango expects. Numbers must carry their country code: the
console serves every country, so there is no default region to guess from.
"""

from __future__ import annotations

import phonenumbers

EXAMPLE = "+14155550100"
FORMAT_HINT = f"Use the international format with the country code, e.g. {EXAMPLE}."


def normalize_mobile(text: str | None) -> str:
    """The number in E.164, or ValueError with a message staff can act on."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError(f"Enter a mobile number. {FORMAT_HINT}")
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(FORMAT_HINT) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{raw} is not a valid phone number. {FORMAT_HINT}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(text: str | None) -> bool:
    try:
        normalize_mobile(text)
    except ValueError:
        return False
    return True


def as_e164(text: str) -> str:
    """The number in E.164 when the rule accepts it, else the text as it was entered."""
    try:
        return normalize_mobile(text)
    except ValueError:
        return text


def is_north_american(e164: str) -> bool:
    """+1 (the US, Canada and the NANP): the only numbers Tango texts rewards to."""
    return e164.startswith("+1")
