"""Template context for base.html's top bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from approvals.models import ApprovalRequest
from rewards_admin.admin_site import may_enter_admin, role_names


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    """`staff_roles` (the user's role names) and `may_enter_admin` (show the "Admin" link only
    to users the admin site lets in), from one query; lazy, so a page that renders no top bar
    (an HTMX fragment, anonymous) pays nothing."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "staff_roles": SimpleLazyObject(lambda: role_names(user) if user.is_authenticated else []),
        "may_enter_admin": SimpleLazyObject(lambda: may_enter_admin(user)),
        # The nav badge: approvals waiting that this person may decide (never their own).
        "approvals_waiting": SimpleLazyObject(lambda: approvals_waiting(user)),
    }


def approvals_waiting(user) -> int:
    if not (user.is_authenticated and user.has_perm("orders.approve_order")):
        return 0
    return ApprovalRequest.objects.decidable_by(user).count()
