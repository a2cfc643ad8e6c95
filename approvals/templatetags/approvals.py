"""The approval panel on an order's page, and the policy's limits in words.

orders' templates load this library (`{% load approvals %}{% approval_panel order %}`):
a template tag, not an import, so orders still never imports approvals.
"""

from __future__ import annotations

from typing import Any

from django import template

from approvals.actions.checker import DECIDE_PERMISSION, decision_blocker, live_approvals
from approvals.actions.edit import edit_blocker
from approvals.actions.policies import format_limits
from approvals.models import ApprovalRequest

register = template.Library()


@register.filter
def limits(value: dict[str, str]) -> str:
    return format_limits(value or {}) or "—"


@register.inclusion_tag("approvals/includes/order_panel.html", takes_context=True)
def approval_panel(context: template.Context, order: Any) -> dict[str, Any]:
    """The order's approval request (rules, approvals so far, expiry) and, for a permitted
    non-maker, the approve / reject controls; nothing at all for an order never sent."""
    request = context.get("request")
    user = getattr(request, "user", None)
    approval = (
        ApprovalRequest.objects.filter(order_id=order.pk)
        .select_related("policy", "decided_by")
        .prefetch_related("makers", "approvals__approver")
        .first()
    )
    if approval is None or user is None:
        return {"approval": None}
    may_decide = user.has_perm(DECIDE_PERMISSION)
    return {
        "approval": approval,
        "order": order,
        "approvals": live_approvals(approval),
        # Only people whose role may decide hear why they may not (e.g. they made it).
        "blocker": decision_blocker(approval, user) if may_decide else None,
        "may_decide": may_decide and decision_blocker(approval, user) is None,
        "may_edit": user.has_perm("approvals.edit_waiting_order") and not edit_blocker(order),
        "csrf_token": context.get("csrf_token"),
    }
