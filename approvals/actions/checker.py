"""THE maker-checker rule, and what else may stop a person deciding an approval request.

`checker_blocker` is the one place the rule lives: whoever made an order (its creator, who
submitted it, the creator of the batch or upload it came from: `ApprovalRequest.makers`, plus
the order's `created_by` whatever the request says) never approves or rejects it, and nobody
gives two approvals of one dual approval. It looks at no role, group or superuser flag: an
Admin or a superuser is refused like anyone else. The approve and reject actions refuse with
it (ActionNotAllowed), the views hide the controls with it and answer 403 with it.
"""

from __future__ import annotations

from typing import Any

from approvals.models import ApprovalRequest
from core.access import perm_blocker

DECIDE_PERMISSION = "orders.approve_order"
MAKER_TEXT = (
    "You created this order (or the batch it came from), so you cannot approve or reject it: "
    "someone else must decide it."
)
SECOND_APPROVAL_TEXT = (
    "You already approved this order; its second approval must come from a different person."
)


def checker_blocker(request: ApprovalRequest, user: Any) -> str | None:
    """Why `user` may not decide `request` as its checker (None: they may).

    Uses `request.makers` and `request.approvals` as prefetched when they are (the queue page
    prefetches both), so a list does not cost a query per row.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return "Only a signed-in person can approve or reject an order."
    makers = {maker.pk for maker in request.makers.all()}
    if user.pk in makers or user.pk == request.order.created_by_id:
        return MAKER_TEXT
    if any(a.approver_id == user.pk and a.voided_at is None for a in request.approvals.all()):
        return SECOND_APPROVAL_TEXT
    return None


def decision_blocker(request: ApprovalRequest, user: Any) -> str | None:
    """Everything that stops `user` deciding now: the request's state, the role, the rule."""
    if request.status != ApprovalRequest.Status.PENDING:
        return f"This order is no longer waiting for approval ({request.get_status_display()})."
    checker = checker_blocker(request, user)
    if checker:
        return checker
    return perm_blocker(user, DECIDE_PERMISSION)


def live_approvals(request: ApprovalRequest) -> list[Any]:
    return [a for a in request.approvals.all() if a.voided_at is None]
