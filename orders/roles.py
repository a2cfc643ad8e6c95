"""The staff roles and what each may do. README's permission matrix is this table."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

VIEW = ["orders.view_order", "orders.view_lineitem", "orders.view_orderevent"]
SUPPORT = [
    *VIEW,
    "orders.resend_reward",
    "orders.add_note",
    "orders.refresh_order",
    "orders.view_savedview",
    "orders.add_savedview",
    "orders.view_recipient",
]
FINANCE = [
    *VIEW,
    "orders.view_reports",
    "orders.export_orders",
    "orders.view_account",
    "orders.view_savedview",
    "orders.add_savedview",
]
MANAGER = [
    *SUPPORT,
    "orders.hold_order",
    "orders.release_order",
    "orders.approve_order",
    "orders.manage_line_item",
    "orders.reveal_credential",
    "orders.view_bulkjob",
    "orders.add_bulkjob",
    "orders.view_account",
    "audit.view_auditentry",
]
ADMIN = [
    *MANAGER,
    *FINANCE,
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
    "orders.delete_savedview",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "Support": SUPPORT,
    "Finance": FINANCE,
    "Manager": MANAGER,
    "Admin": ADMIN,
}


def ensure_roles() -> dict[str, Group]:
    """Create or update the role groups so they hold exactly the permissions above."""
    groups: dict[str, Group] = {}
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for dotted in dict.fromkeys(codenames):
            app_label, codename = dotted.split(".")
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)
        groups[name] = group
    return groups
