"""The staff roles and what each may do. README's permission matrix is this table.

Every console view checks its permission itself (core/access.py); anonymous users go
to the login page, a role without the permission gets the 403 page. Buttons a role cannot use
are shown disabled with the reason ("Needs the Manager role.").

| What (permission)                                         | Support | Finance | Manager | Admin |
|-----------------------------------------------------------|:-------:|:-------:|:-------:|:-----:|
| See orders, line items, timeline (view_order ...)         |    x    |    x    |    x    |   x   |
| Saved views: use and create (view/add_savedview)          |    x    |    x    |    x    |   x   |
| Recipient contact data unmasked (view_recipient)          |    x    |         |    x    |   x   |
| Internal notes (add_note)                                 |    x    |         |    x    |   x   |
| Refresh an order from Tango (refresh_order)               |    x    |         |    x    |   x   |
| Enter a new order (add_order)                             |    x    |         |    x    |   x   |
| Resend a digital reward (resend_reward)                   |    x    |         |    x    |   x   |
| Re-order failed rewards (reorder_reward)                  |    x    |         |    x    |   x   |
| Hold / release an unplaced order (hold/release_order)     |         |         |    x    |   x   |
| Approve / reject an order, not one's own (approve_order)  |         |         |    x    |   x   |
| Edit a waiting order (approvals.edit_waiting_order)       |    x    |         |    x    |   x   |
| Approval policy: read it (approvals.view_approvalpolicy)  |         |         |    x    |   x   |
| Approval policy: edit it (approvals.change_policy)        |         |         |         |   x   |
| Cancel / freeze / unfreeze a reward (manage_line_item)    |         |         |    x    |   x   |
| Reissue a Choice-product reward (reissue_reward)          |         |         |    x    |   x   |
| Reveal a reward credential (reveal_credential)            |         |         |    x    |   x   |
| Bulk uploads: upload, dry run, place (uploads.add_upload)  |    x    |         |    x    |   x   |
| Bulk jobs: start and watch (add/view_bulkjob)             |         |         |    x    |   x   |
| Audit log page (audit.view_auditentry)                    |         |         |    x    |   x   |
| Accounts and balances (view_account)                      |         |    x    |    x    |   x   |
| Low-balance thresholds (finance.change_balancethreshold)  |         |    x    |         |   x   |
| Sync health page (health.view_synchealth)                 |         |         |    x    |   x   |
| Replay a webhook event, renew the subscription (health.*) |         |         |         |   x   |
| Finance reports and exports (view_reports, export_orders) |         |    x    |         |   x   |
| Close a reporting period, month-end (finance.close_period) |         |    x    |         |   x   |
| Reconciliation: runs, queue, resolve (recon.*)            |         |    x    |         |   x   |
| Delete anyone's saved view (delete_savedview)             |         |         |         |   x   |
| Staff users (auth.view/add/change_user)                   |         |         |         |   x   |

Nobody approves or rejects an order they made (created, submitted, or whose batch or upload
they made), whatever their role, superusers included: approvals.actions.checker.

Unmasking contact data and revealing a credential are audited (who, when, why, IP); a
credential is fetched from Tango on demand and never stored.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

VIEW = ["orders.view_order", "orders.view_lineitem", "orders.view_orderevent"]
SUPPORT = [
    *VIEW,
    "orders.resend_reward",
    "orders.add_note",
    "orders.refresh_order",
    "orders.add_order",
    "orders.view_savedview",
    "orders.add_savedview",
    "orders.view_recipient",
    "orders.reorder_reward",
    "approvals.edit_waiting_order",
    "uploads.add_upload",
]
# Reconciliation with Tango: the runs, the queue of mismatches, starting a run, resolving one.
RECON = [
    "recon.view_reconrun",
    "recon.view_mismatch",
    "recon.run_reconciliation",
    "recon.resolve_mismatch",
]
FINANCE = [
    *VIEW,
    "orders.view_reports",
    "orders.export_orders",
    "finance.close_period",
    "finance.change_balancethreshold",
    *RECON,
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
    "orders.reissue_reward",
    "orders.reveal_credential",
    "orders.view_bulkjob",
    "orders.add_bulkjob",
    "orders.view_account",
    "audit.view_auditentry",
    "approvals.view_approvalpolicy",
    "health.view_synchealth",
]
ADMIN = [
    *MANAGER,
    *FINANCE,
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
    "orders.delete_savedview",
    "approvals.change_policy",
    "health.replay_webhook",
    "health.renew_subscription",
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
