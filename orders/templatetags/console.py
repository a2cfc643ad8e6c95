"""Template helpers for the staff console: masking, status classes, sort links.

Recipient data is masked by core.masking (the rules and why); this module gives templates its
filters and the `{% recipient %}` tag.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from django import template
from django.utils import timezone

from core.masking import RecipientDisplay, mask_email, mask_phone, recipient_display
from orders import statuses

register = template.Library()

# The only scheme a credential may link to: a reward code or a `javascript:`/`data:` value
# must never become a clickable href.
SAFE_LINK_PREFIX = "https://"

# Masking lives in core.masking (also used by the admin and the actions); these are its
# template names.
register.filter("mask_email", mask_email)
register.filter("mask_phone", mask_phone)


@register.simple_tag
def recipient(line_item: Any, unmasked: bool = False) -> RecipientDisplay:
    """`{% recipient li unmasked as who %}` then `{{ who.name }}`, `{{ who.email }}`, ..."""
    return recipient_display(line_item, unmasked=bool(unmasked))


@register.filter
def safe_link(value: str | None) -> str:
    """The value if it may be an href (an https:// URL), else "" (shown as plain text)."""
    return value if value and value.startswith(SAFE_LINK_PREFIX) else ""


@register.filter
def status_class(value: str | None) -> str:
    """One CSS class per Tango status value, so a colour means the same thing everywhere."""
    if not value:
        return "status-none"
    # A value outside our vocabularies (Tango added one) gets one neutral class.
    return f"status-{value}" if value in _all_labels() else "status-other"


@cache
def _all_labels() -> dict[str, str]:
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
