"""Numbers on finance pages: money to the cent, and every number a link to its orders."""

from __future__ import annotations

from decimal import Decimal
from html import escape as _escape
from typing import Any

from django import template
from django.utils.safestring import mark_safe

register = template.Library()
CENT = Decimal("0.01")


def escape(value: Any) -> str:
    """django.utils.html.escape without its lazy-string wrapper (thousands of cells a page)."""
    return _escape(str(value))


@register.filter(name="money")
def money_text(value: Any) -> str:
    """12345.5 -> "12,345.50" (always two decimals, never rounded further)."""
    if value in (None, ""):
        return "0.00"
    return f"{Decimal(value).quantize(CENT):,}"


def _drill_html(link: str | None, value: Any, money: bool = False) -> str:
    """A number as text, or a link to its orders (the link escaped; numbers need none)."""
    text = money_text(value) if money else f"{value or 0:,}"
    return f'<a href="{escape(link)}">{text}</a>' if link else text


@register.simple_tag
def drill(link: str | None, value: Any, money: bool = False) -> str:
    """The number, linked to the orders list showing exactly the orders behind it."""
    return mark_safe(_drill_html(link, value, money))  # noqa: S308 - escaped in _drill_html


@register.filter
def rate_range(numbers: dict[str, Any]) -> str:
    low, high = numbers.get("rate_min"), numbers.get("rate_max")
    if low is None:
        return "-"
    low, high = Decimal(low).normalize(), Decimal(high).normalize()
    return f"{low}" if low == high else f"{low} to {high}"


# A report has rows x (statuses + periods) cells: built here rather than by an included
# template per row (the template engine spent most of the page's Python time on them).
_MONEY_COLUMNS = ("face", "value", "fee", "total", "refund", "net")
MUTED_ZERO = '<span class="muted">0</span>'


@register.simple_tag
def report_row(row: Any, head: str) -> str:
    """One row of the report's figures table (the orders, rewards, per-status counts, money
    columns and exchange rates), every number a drill-down to its orders."""
    link, numbers = row.link, row.numbers
    statuses = "".join(
        f'<td class="num">{_drill_html(status_link, count) if count else MUTED_ZERO}</td>'
        for _, count, status_link in row.status_counts
    )
    money = "\n  ".join(
        f'<td class="num">{_drill_html(link, numbers[name], money=True)}</td>'
        for name in _MONEY_COLUMNS
    )
    return mark_safe(  # noqa: S308 - every value above is escaped or a formatted number
        f'<tr>\n  <th scope="row">{escape(head)}</th><td>{escape(row.charged_currency)}</td>'
        f"<td>{escape(row.reward_currency)}</td>\n"
        f'  <td class="num">{_drill_html(link, numbers["orders"])}</td>\n'
        f'  <td class="num">{_drill_html(link, numbers["rewards"])}</td>\n'
        f"  {statuses}\n  {money}\n"
        f'  <td class="num mono">{escape(rate_range(numbers))}</td>\n</tr>\n'
    )


@register.simple_tag
def period_row(row: Any, head: str) -> str:
    """One row of the report's periods table: each period's total and orders, linked."""
    cells = "".join(
        f'<td class="num"><a href="{escape(cell.link)}" data-orders="{cell.orders}">'
        f'{money_text(cell.total)} <span class="muted">({cell.orders})</span></a></td>'
        if cell.orders
        else '<td class="num"><span class="muted">\u2013</span></td>'
        for cell in row.cells
    )
    numbers = row.numbers
    return mark_safe(  # noqa: S308 - every value above is escaped or a formatted number
        f'<tr>\n  <th scope="row">{escape(head)}</th><td>{escape(row.charged_currency)}</td>'
        f"<td>{escape(row.reward_currency)}</td>\n  {cells}\n"
        f'  <td class="num">{_drill_html(row.link, numbers["total"], money=True)} '
        f'<span class="muted">({numbers["orders"]})</span></td>\n</tr>\n'
    )
