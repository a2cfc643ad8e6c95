"""Template helpers for the staff console: masking, status classes, sort links."""

from __future__ import annotations

import re
from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()

_NON_DIGITS = re.compile(r"\D")


@register.filter
def mask_email(value: str | None) -> str:
    """jane.doe@example.com -> j***@example.com (the domain helps support; the name does not)."""
    if not value:
        return ""
    local, _, domain = value.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


@register.filter
def mask_phone(value: str | None) -> str:
    """+15551231234 -> +1 *** *** 1234: enough to recognise a number, not to dial it."""
    if not value:
        return ""
    digits = _NON_DIGITS.sub("", value)
    last4 = digits[-4:]
    if value.strip().startswith("+"):
        country = digits[: max(1, len(digits) - 10)] if len(digits) > 4 else ""
        return f"+{country} *** *** {last4}".replace("+ ", "+")
    return f"*** *** {last4}"


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
