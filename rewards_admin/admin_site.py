"""The Django admin site of Rewards Ops: for Admins only.

The console (orders/views/) is where staff work; /admin/ is the back office for the Admin role
(staff users, looking things up). Django's stock site lets every `is_staff` account in, and
every console role is staff, so Support, Finance and Managers could browse models their role
page never shows them. Here only active staff accounts in the Admin role, and superusers, may
enter; base.html shows the "Admin" link to exactly them (rewards_admin.context_processors).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.roles import ROLE_PERMISSIONS

ADMIN_ROLE = "Admin"
assert ADMIN_ROLE in ROLE_PERMISSIONS  # the group seed_demo / ensure_roles() create


def role_names(user: Any) -> list[str]:
    """The names of the user's role groups, read once per request (cached on the user)."""
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = list(user.groups.order_by("name").values_list("name", flat=True))
        user._role_names = cached
    return cached


def may_enter_admin(user: Any) -> bool:
    """Whether `user` may use /admin/: an active staff account that is a superuser or holds
    the Admin role."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or ADMIN_ROLE in role_names(user)


class RewardsAdminSite(admin.AdminSite):
    site_header = "Rewards Ops admin"
    site_title = "Rewards Ops admin"
    index_title = "Back office (Admin role)"

    def has_permission(self, request: HttpRequest) -> bool:
        return may_enter_admin(request.user)
