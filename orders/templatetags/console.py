"""Template helpers for the staff console: masking, status classes, sort links.

This module is where recipient data is masked, for every template and for the Django admin:
a recipient is shown as "Riley C." with a masked email/mobile and only the country of the
address, until someone holding orders.view_recipient unmasks the page (audited, see
orders.services.staff_actions.unmask_recipient).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone

from tango.types import mask_email as tango_mask_email
from tango.types import mask_phone as tango_mask_phone

register = template.Library()

_NON_DIGITS = re.compile(r"\D")
# The only scheme a credential may link to: a reward code or a `javascript:`/`data:` value
# must never become a clickable href.
SAFE_LINK_PREFIX = "https://"


@register.filter
def mask_email(value: str | None) -> str:
    """jane.doe@example.com -> j***@example.com (the domain helps support; the name does not).

    Delegates to the Tango client's mask so logs, reprs and pages mask the same way.
    """
    return tango_mask_email(value) or ""


@register.filter
def mask_phone(value: str | None) -> str:
    """+15551231234 -> ***34, as the Tango client masks numbers in its reprs and logs."""
    if not value:
        return ""
    digits = _NON_DIGITS.sub("", value)
    return tango_mask_phone(digits) or "***"


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


@register.simple_tag
def recipient(line_item: Any, unmasked: bool = False) -> RecipientDisplay:
    """`{% recipient li unmasked as who %}` then `{{ who.name }}`, `{{ who.email }}`, ..."""
    return recipient_display(line_item, unmasked=bool(unmasked))


_CONTACT_KEYS = ("email", "mobile", "phone")


def mask_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """A timeline event's details with contact data masked (resends keep the corrected email
    or mobile there for the task, see orders.services.staff_actions.request_resend)."""
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


@register.filter
def safe_link(value: str | None) -> str:
    """The value if it may be an href (an https:// URL), else "" (shown as plain text)."""
    return value if value and value.startswith(SAFE_LINK_PREFIX) else ""


@register.filter
def status_class(value: str | None) -> str:
    """One CSS class per Tango status value, so a colour means the same thing everywhere."""
    return f"status-{value}" if value else "status-none"


def _all_labels() -> dict[str, str]:
    from orders import statuses

    labels: dict[str, str] = {}
    for vocabulary in (
        statuses.PlacementState,
        statuses.RewardStatus,
        statuses.DeliveryStatus,
        statuses.EmailStatus,
        statuses.LineItemStatus,
        statuses.OrderStatus,  # last: order-status labels win for shared values
    ):
        labels.update(dict(vocabulary.choices))
    return labels


@register.filter
def status_label(value: str | None) -> str:
    """Human label for any status value (timeline rows mix Tango and placement values)."""
    if not value:
        return ""
    return _all_labels().get(value, value)


@register.simple_tag
def sort_value(current: str, field: str, default_desc: bool = False) -> str:
    """The `sort` value a column header links to: toggles the direction of the current one."""
    if current == field:
        return f"-{field}"
    if current == f"-{field}":
        return field
    return f"-{field}" if default_desc else field


@register.simple_tag
def sort_state(current: str, field: str) -> str:
    """aria-sort value for a column header."""
    if current == field:
        return "ascending"
    if current == f"-{field}":
        return "descending"
    return "none"


@register.filter
def seconds_until(value: datetime | None) -> int:
    """Whole seconds from now until `value` (0 when past); drives the resend countdown."""
    if value is None:
        return 0
    return max(0, int((value - timezone.now()).total_seconds()) + 1)


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None
