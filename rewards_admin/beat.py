"""Celery beat's schedule as a table: (entry name, task, interval setting, default seconds).

Sync cadence follows Tango's guidance: non-final orders often, recent windows less often, the
catalog only a few times a day (Tango asks for at most ~2 catalog calls a day). settings.py
reads each interval from the environment (it is the one reader) and builds
CELERY_BEAT_SCHEDULE with `beat_schedule`; tests/test_task_names.py checks every task is
registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BEAT_TASKS: list[tuple[str, str, str, float]] = [
    ("sweep-stuck-placements", "orders.tasks.placement.sweep_stuck_placements",
     "SWEEP_PLACEMENTS_EVERY", 60),
    ("sync-open-orders", "orders.tasks.sync.sync_open_orders", "SYNC_OPEN_ORDERS_EVERY", 60),
    ("sync-recent-orders", "orders.tasks.sync.sync_recent_orders",
     "SYNC_RECENT_ORDERS_EVERY", 300),
    ("sync-line-items", "orders.tasks.sync.sync_line_items", "SYNC_LINE_ITEMS_EVERY", 120),
    ("sync-accounts", "orders.tasks.sync.sync_accounts", "SYNC_ACCOUNTS_EVERY", 600),
    ("sync-catalog", "orders.tasks.sync.sync_catalog", "SYNC_CATALOG_EVERY", 8 * 3600),
    # The list's facet rollup: its delta rows folded into one per key (PostgreSQL only).
    ("compact-facet-counts", "orders.tasks.sync.compact_facet_counts",
     "COMPACT_FACET_COUNTS_EVERY", 300),
    ("flag-stuck-orders", "orders.tasks.sync.flag_stuck_orders", "FLAG_STUCK_ORDERS_EVERY", 900),
    ("purge-expired-exports", "finance.tasks.purge_expired_exports", "PURGE_EXPORTS_EVERY", 3600),
    # Approvals: withdraw expired requests (the creator is told); remind approvers once.
    ("expire-approvals", "approvals.tasks.expire_approvals", "EXPIRE_APPROVALS_EVERY", 300),
    ("remind-approvers", "approvals.tasks.remind_approvers", "REMIND_APPROVERS_EVERY", 900),
    # Uploads still placing after a lost message or a killed worker: resumed (one runner each).
    ("resume-uploads", "uploads.tasks.resume_placing", "RESUME_UPLOADS_EVERY", 120),
    # Sync health: the webhook subscription's expiry, revision gaps filled by replay.
    ("check-webhooks", "health.tasks.check_webhooks", "CHECK_WEBHOOKS_EVERY", 300),
    # Balances: read each account, check the change against charges/refunds/funding, alert.
    ("check-balances", "finance.tasks.check_balances", "CHECK_BALANCES_EVERY", 900),
    # Reconciliation: compare the last RECON_DAYS days with Tango, once a night.
    ("reconcile-nightly", "recon.tasks.nightly_reconciliation", "RECONCILE_EVERY", 86400),
]  # fmt: skip


def beat_schedule(interval: Callable[[str, float], float]) -> dict[str, dict[str, Any]]:
    """CELERY_BEAT_SCHEDULE: each entry's interval is `interval(setting name, default)`."""
    return {
        name: {"task": task, "schedule": interval(setting, default)}
        for name, task, setting, default in BEAT_TASKS
    }
