"""The re-order / reissue controls and links on an order's page.

orders' templates load this library (`{% load entry_followups %}{% followups_panel order %}`,
`{% reissue_control li %}`): a template tag, not an import, so orders never imports entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core.access import perm_blocker
from core.pk_urls import pk_url
from entry.actions.reissue import reissue_blockers, reissue_orders
from entry.actions.reorder import REORDERABLE_ORDER_STATUSES, reorder_blockers
from orders.models import LineItem, Order
from orders.statuses import LineItemStatus

register = template.Library()


@register.inclusion_tag("entry/includes/followups_panel.html", takes_context=True)
def followups_panel(context: template.Context, order: Any) -> dict[str, Any]:
    """Where the order came from (re-order / reissue of ...), what replaced its rewards, and
    for a FAILED / PARTIAL order the re-order control (disabled with the reason)."""
    user = getattr(context.get("request"), "user", None)
    reorders, reissues = followup_orders(order)
    reorder_of = order.reorder_of if order.reorder_of_id else None
    reissue_of = order.reissue_of if order.reissue_of_id else None
    failed: list[Any] = []
    blocker = None
    if order.tango_status in REORDERABLE_ORDER_STATUSES:
        failed = list(order.line_items.filter(status=LineItemStatus.FAILED))
        for li in failed:
            li.order = order  # the blockers read it: no join, no copy per line
    blockers = reorder_blockers(failed)  # their live re-orders in one query
    reorderable = sum(1 for reason in blockers.values() if reason is None)
    if failed:
        blocker = (None if reorderable else " ".join(filter(None, blockers.values()))) or (
            perm_blocker(user, "orders.reorder_reward") if user else None
        )
    return {
        "show": bool(failed or reorders or reissues or reorder_of or reissue_of),
        "order": order,
        "reorders": reorders,
        "reissues": reissues,
        "reorder_of": reorder_of,
        "reissue_of": reissue_of,
        "failed": len(failed),
        "reorderable": reorderable,
        "blocker": blocker,
    }


def followup_orders(order: Any) -> tuple[list[Order], list[Order]]:
    """The re-orders and the reissues of `order`'s lines, read in one query (a UNION of two
    index lookups: an OR of the two joins would scan every order)."""
    lines = LineItem.objects.filter(order_id=order.pk).values("pk")
    ids = (
        Order.objects.filter(reorder_of__in=lines)
        .order_by()
        .values("pk")
        .union(Order.objects.filter(reissue_of__in=lines).order_by().values("pk"))
    )
    found = Order.objects.filter(pk__in=ids).select_related("reorder_of", "reissue_of")
    found = list(found.order_by("pk"))
    return (
        [new for new in found if new.reorder_of_id and new.reorder_of.order_id == order.pk],
        [new for new in found if new.reissue_of_id and new.reissue_of.order_id == order.pk],
    )


@register.simple_tag(takes_context=True)
def reissue_states(context: template.Context, line_items: Iterable[Any]) -> dict[int, dict]:
    """What `{% reissue_control %}` shows for each of these line items (a page of an order's
    lines), worked out together: their reissue orders in one query, the order's reissue chain
    once. `{% reissue_states lines as reissues %}`, then `{% reissue_control li reissues %}`."""
    user = getattr(context.get("request"), "user", None)
    line_items = list(line_items)
    reissued = reissue_orders([li.pk for li in line_items]) if line_items else {}
    states, shown = {}, []
    for li in line_items:
        catalog = li.catalog_item
        is_choice = catalog is None or catalog.is_choice_product
        issued = li.status == LineItemStatus.COMPLETE or li.reissue_requested_at
        new = reissued.get(li.pk)
        done = new is not None and new.reference_order_id is not None
        show = is_choice and bool(issued) and not done and user is not None
        states[li.pk] = {"show": show, "li": li, "blocker": None}
        if show:
            shown.append(li)
    if shown:
        blockers = reissue_blockers(shown, reissued=reissued)
        for li in shown:
            states[li.pk]["blocker"] = blockers[li.pk] or perm_blocker(
                user, "orders.reissue_reward"
            )
    return states


@register.simple_tag(takes_context=True)
def reissue_control(
    context: template.Context, line_item: Any, states: dict[int, dict] | None = None
) -> SafeString:
    """ "Reissue…" for an issued Choice-product reward, disabled with the reason when not
    possible now; nothing for a reward that can never be reissued (not issued, not Choice).
    `states` from `{% reissue_states %}` saves the queries of one line at a time. Written with
    format_html, not an inclusion template: it is rendered once per line of an order's page."""
    if states is None or line_item.pk not in states:
        states = reissue_states(context, [line_item])
    state = states[line_item.pk]
    if not state["show"]:
        return mark_safe("")
    pk = state["li"].pk
    if state["blocker"]:
        return format_html(
            '<span class="action-disabled"><button type="button" class="btn btn-small" disabled'
            ' aria-describedby="why-reissue-{}">Reissue</button><span class="why"'
            ' id="why-reissue-{}">{}</span></span>',
            pk,
            pk,
            state["blocker"],
        )
    return format_html(
        '<a class="btn btn-small" href="{}">Reissue…</a>', pk_url("entry:reissue", pk)
    )


@register.simple_tag(takes_context=True)
def reissue_controls(context: template.Context, line_items: Iterable[Any]) -> dict[int, SafeString]:
    """Every line's reissue control ("" where there is none), by pk, for orders'
    `{% line_cards rows extras %}`: `{% reissue_controls page.items as reissues %}`."""
    states = reissue_states(context, line_items)
    return {pk: reissue_control(context, state["li"], states) for pk, state in states.items()}
