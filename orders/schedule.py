"""Celery beat schedule. Intervals come from the environment so operators can tune them.

Sync cadence follows Tango's guidance: non-final orders often, recent windows less often,
the catalog only a few times a day (Tango asks for at most ~2 catalog calls a day).
"""

from __future__ import annotations

import os


def _seconds(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


BEAT_SCHEDULE = {
    "sweep-stuck-placements": {
        "task": "orders.tasks.placement.sweep_stuck_placements",
        "schedule": _seconds("SWEEP_PLACEMENTS_EVERY", 60),
    },
    "sync-open-orders": {
        "task": "orders.tasks.sync.sync_open_orders",
        "schedule": _seconds("SYNC_OPEN_ORDERS_EVERY", 60),
    },
    "sync-recent-orders": {
        "task": "orders.tasks.sync.sync_recent_orders",
        "schedule": _seconds("SYNC_RECENT_ORDERS_EVERY", 300),
    },
    "sync-line-items": {
        "task": "orders.tasks.sync.sync_line_items",
        "schedule": _seconds("SYNC_LINE_ITEMS_EVERY", 120),
    },
    "sync-accounts": {
        "task": "orders.tasks.sync.sync_accounts",
        "schedule": _seconds("SYNC_ACCOUNTS_EVERY", 600),
    },
    "sync-catalog": {
        "task": "orders.tasks.sync.sync_catalog",
        "schedule": _seconds("SYNC_CATALOG_EVERY", 8 * 3600),
    },
    "flag-stuck-orders": {
        "task": "orders.tasks.sync.flag_stuck_orders",
        "schedule": _seconds("FLAG_STUCK_ORDERS_EVERY", 900),
    },
}
