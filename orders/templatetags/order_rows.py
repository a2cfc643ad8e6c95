"""The orders list's table rows, written by one tag call per page: `{% order_rows orders %}`.

The same markup as a `{% for %}` of template code would write, but built in Python: with ~40
variables, filters and tags per row, the template engine spent most of the list fragment's
time resolving them (issue 11: 50 rows cost ~20x the page's own SQL). Here each value is
computed once, the order's URL is reversed once (core.pk_urls), and every value goes through
format_html / conditional_escape (core.html's: Django's escaping), so the escaping is the
template's. The recipient is masked by core.masking exactly as the `{% recipient %}` tag does
(the list never unmasks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe

from core.html import conditional_escape, format_html
from core.masking import recipient_display
from core.pk_urls import pk_url
from orders.templatetags.console import status_class

register = template.Library()

# One dateformat pass per row for its four renderings ("|" is no format character).
_DATE_FORMATS = "c|Y-m-d H:i:s T|M j|H:i"


def _dates(value: Any) -> list[str]:
    """The four renderings: what `|date:` with each of _DATE_FORMATS gives (Django's own
    definitions of c, Y-m-d, H:i:s, T, M and j), written directly: dateformat's per-character
    dispatch was a third of the rows' time."""
    if not value:
        return ["", "", "", ""]
    if not timezone.is_aware(value):  # never for a DateTimeField with USE_TZ
        return dateformat.format(value, _DATE_FORMATS).split("|")
    value = timezone.localtime(value)  # what the date filter does (expects_localtime)
    clock = f"{value.hour:02d}:{value.minute:02d}"
    return [
        value.isoformat(),
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} {clock}:{value.second:02d}"
        f" {value.tzname() or ''}",
        f"{MONTHS_3[value.month].title()} {value.day}",
        clock,
    ]


def _recipient_cell(li: Any) -> SafeString:
    if li is None:
        return mark_safe("")
    who = recipient_display(li, unmasked=False)
    return format_html('{}<span class="sub">{}</span>', who.name or "—", who.email or who.mobile)


def _reward_cell(li: Any, line_count: int) -> SafeString:
    html = ""
    if li is not None:
        html = format_html(
            '<span title="{} ({})">{}</span>', li.reward_name, li.utid, li.reward_name or li.utid
        )
    if line_count > 1:
        html += format_html('<span class="sub">+{} more</span>', line_count - 1)
    return mark_safe(html)  # noqa: S308 - built from format_html parts only


def _status_cell(order: Any) -> SafeString:
    html = ""
    if order.tango_status:
        html = format_html(
            '<span class="badge {}">{}</span>',
            status_class(order.tango_status),
            order.get_tango_status_display(),
        )
    if order.state != "placed" or not order.tango_status:
        html += format_html(
            '<span class="badge {}" title="Placement (not at Tango yet)">{}</span>',
            status_class(order.state),
            order.get_state_display(),
        )
    if order.hold_reason:
        html += format_html('<span class="sub">{}</span>', order.get_hold_reason_display())
    return mark_safe(html)  # noqa: S308 - built from format_html parts only


def _line_badges(items: list[Any], line_count: int) -> SafeString:
    parts = []
    for li in items:
        label = li.get_status_display()
        parts.append(
            format_html(
                '<span class="badge {}" title="Line {}: {}">{}</span>',
                status_class(li.status),
                li.line_number,
                label or "not issued",
                label or "—",
            )
        )
        if li.email_status and li.email_status != "DELIVERED":
            parts.append(
                format_html(
                    '<span class="badge badge-soft {}" title="Email status of line {}">✉ {}</span>',
                    status_class(li.email_status),
                    li.line_number,
                    li.get_email_status_display(),
                )
            )
    if line_count - 3 > 0:
        parts.append(format_html('<span class="sub">+{} more</span>', line_count - 3))
    return mark_safe("".join(parts))  # noqa: S308 - built from format_html parts only


ROW = (
    "          <tr data-row>\n"
    "{check}"
    '            <td class="ref nowrap">\n'
    '              <a class="row-link" href="{url}">{ref}</a>\n'
    '              <span class="sub mono clip-ref" title="externalRefID {ext}">{ext}</span>\n'
    "            </td>\n"
    '            <td class="nowrap"><time datetime="{iso}" title="{full}">{day}'
    '<span class="sub">{time}</span></time></td>\n'
    '            <td><div class="clip"><span class="mono">{account}</span>'
    '<span class="sub">{customer}</span></div></td>\n'
    '            <td><div class="clip">{recipient}</div></td>\n'
    '            <td><div class="clip">{reward}</div></td>\n'
    '            <td class="num nowrap">{amount} <span class="cur">{currency}</span></td>\n'
    '            <td class="status-cell">{status}</td>\n'
    '            <td><div class="li-cell">{lines}</div></td>\n'
    "          </tr>\n"
)
CHECK = (
    '            <td class="col-check"><input type="checkbox" name="ids" value="{}" '
    'form="bulk-form" aria-label="Select order {}"></td>\n'
)


@register.simple_tag
def order_rows(orders: Iterable[Any], can_bulk: bool = False) -> SafeString:
    """Every row of the orders table for `orders` (Order.objects.for_list() rows carrying
    `line_count`); a checkbox per row for the bulk form when `can_bulk`."""
    rows = []
    for order in orders:
        items = order.shown_line_items
        first = items[0] if items else None
        line_count = order.line_count
        iso, full, day, time = _dates(order.ordered_at)
        customer = order.customer
        rows.append(
            format_html(
                ROW,
                check=format_html(CHECK, order.pk, str(order)) if can_bulk else "",
                url=pk_url("orders:detail", order.pk),
                ref=order.reference_order_id or "Not placed",
                ext=order.external_ref_id,
                iso=iso,
                full=full,
                day=day,
                time=time,
                account=order.account.identifier,
                customer=customer.display_name if customer is not None else "",
                recipient=_recipient_cell(first),
                reward=_reward_cell(first, line_count),
                amount=intcomma(order.amount),
                currency=order.currency,
                status=_status_cell(order),
                lines=_line_badges(items, line_count),
            )
        )
    return mark_safe("".join(conditional_escape(row) for row in rows))  # noqa: S308
