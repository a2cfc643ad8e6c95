"""The re-order / reissue controls and links on an order's page.

orders' templates load this library (`{% load entry_followups %}{% followups_panel order %}`,
`{% reissue_control li %}`): a template tag, not an import, so orders never imports entry.
"""

from __future__ import annotations

from typing import Any

from django import template

from core.access import perm_blocker
from entry.actions.reissue import reissue_blocker
from entry.actions.reorder import REORDERABLE_ORDER_STATUSES, reorder_blocker
from orders.models import Order
from orders.statuses import LineItemStatus

register = template.Library()


@register.inclusion_tag("entry/includes/followups_panel.html", takes_context=True)
def followups_panel(context: template.Context, order: Any) -> dict[str, Any]:
    """Where the order came from (re-order / reissue of ...), what replaced its rewards, and
    for a FAILED / PARTIAL order the re-order control (disabled with the reason)."""
    user = getattr(context.get("request"), "user", None)
    reorders = list(
        Order.objects.filter(reorder_of__order=order).select_related("reorder_of").order_by("pk")
    )
    reissues = list(
        Order.objects.filter(reissue_of__order=order).select_related("reissue_of").order_by("pk")
    )
    reorder_of = order.reorder_of if order.reorder_of_id else None
    reissue_of = order.reissue_of if order.reissue_of_id else None
    failed: list[Any] = []
    blocker = None
    if order.tango_status in REORDERABLE_ORDER_STATUSES:
        failed = list(order.line_items.select_related("order").filter(status=LineItemStatus.FAILED))
    reorderable = sum(1 for li in failed if reorder_blocker(li) is None)
    if failed:
        blocker = (
            None if reorderable else " ".join(filter(None, map(reorder_blocker, failed)))
        ) or (perm_blocker(user, "orders.reorder_reward") if user else None)
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


@register.inclusion_tag("entry/includes/reissue_control.html", takes_context=True)
def reissue_control(context: template.Context, line_item: Any) -> dict[str, Any]:
    """ "Reissue…" for an issued Choice-product reward, disabled with the reason when not
    possible now; nothing for a reward that can never be reissued (not issued, not Choice)."""
    user = getattr(context.get("request"), "user", None)
    catalog = line_item.catalog_item
    is_choice = catalog is None or catalog.is_choice_product
    issued = line_item.status == LineItemStatus.COMPLETE or line_item.reissue_requested_at
    done = Order.objects.filter(reissue_of=line_item, reference_order_id__isnull=False).exists()
    show = is_choice and bool(issued) and not done and user is not None
    blocker = None
    if show:
        blocker = reissue_blocker(line_item) or perm_blocker(user, "orders.reissue_reward")
    return {"show": show, "li": line_item, "blocker": blocker}
