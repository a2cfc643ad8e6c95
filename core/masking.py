"""How recipient data is masked, for every page, the Django admin and the timeline.

A recipient is shown as "Riley C." with a masked email/mobile and only the country of the
address, until someone holding orders.view_recipient unmasks the page (audited, see
orders.actions.notes.unmask_recipient). The Tango client masks emails and numbers the
same way in its reprs and logs (tango/types/values.py); neither package may import the other,
so tests/security/test_privacy.py checks that the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_NON_DIGITS = re.compile(r"\D")
_CONTACT_KEYS = ("email", "mobile", "phone")


def mask_email(value: str | None) -> str:
    """jane.doe@example.com -> j***@example.com (the domain helps support; the name does not)."""
    if not value:
        return ""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(value: str | None) -> str:
    """+15551231234 -> ***34; formatting characters never leak digits."""
    if not value:
        return ""
    digits = _NON_DIGITS.sub("", value)
    return f"***{digits[-2:]}" if digits else "***"


def mask_name(first_name: str | None, last_name: str | None) -> str:
    """Riley Chen -> "Riley C.": enough to greet someone on the phone, not to look them up."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    initial = f"{last[:1].upper()}." if last else ""
    return " ".join(part for part in (first, initial) if part)


def _join(*parts: str) -> str:
    return ", ".join(part.strip() for part in parts if part and part.strip())


@dataclass(frozen=True)
class RecipientDisplay:
    """What a page may show of a line item's recipient."""

    name: str
    email: str
    mobile: str
    address: str
    masked: bool


def recipient_display(line_item: Any, *, unmasked: bool = False) -> RecipientDisplay:
    """The recipient as shown: masked unless the page was unmasked through the audited flow."""
    li = line_item
    if unmasked:
        locality = " ".join(
            part for part in (li.address_city, li.address_state, li.address_postal_code) if part
        )
        return RecipientDisplay(
            name=li.recipient_name,
            email=li.recipient_email,
            mobile=li.recipient_mobile,
            address=_join(
                li.address_company,
                li.address_street1,
                li.address_street2,
                locality,
                li.address_country,
            ),
            masked=False,
        )
    # Only the country: city + street or postal code narrow a person down too far.
    return RecipientDisplay(
        name=mask_name(li.recipient_first_name, li.recipient_last_name),
        email=mask_email(li.recipient_email),
        mobile=mask_phone(li.recipient_mobile),
        address=li.address_country or "",
        masked=True,
    )


def mask_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """A timeline event's details with contact data masked (resends keep the corrected email
    or mobile there for the task, see orders.actions.resend.request_resend)."""
    masked: dict[str, Any] = {}
    for key, value in (details or {}).items():
        if isinstance(value, Mapping):
            masked[key] = mask_details(value)
        elif not isinstance(value, str) or not value:
            masked[key] = value
        elif "email" in key.lower() or "@" in value:
            masked[key] = mask_email(value)
        elif any(word in key.lower() for word in _CONTACT_KEYS):
            masked[key] = mask_phone(value)
        else:
            masked[key] = value
    return masked
