"""Numbers on finance pages: money to the cent, and every number a link to its orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()
CENT = Decimal("0.01")


@register.filter(name="money")
def money_text(value: Any) -> str:
    """12345.5 -> "12,345.50" (always two decimals, never rounded further)."""
    if value in (None, ""):
        return "0.00"
    return f"{Decimal(value).quantize(CENT):,}"


@register.simple_tag
def drill(link: str | None, value: Any, money: bool = False) -> str:
    """The number, linked to the orders list showing exactly the orders behind it."""
    text = money_text(value) if money else f"{value or 0:,}"
    if not link:
        return text
    return format_html('<a href="{}">{}</a>', link, text)


@register.filter
def rate_range(numbers: dict[str, Any]) -> str:
    low, high = numbers.get("rate_min"), numbers.get("rate_max")
    if low is None:
        return "-"
    low, high = Decimal(low).normalize(), Decimal(high).normalize()
    return f"{low}" if low == high else f"{low} to {high}"
