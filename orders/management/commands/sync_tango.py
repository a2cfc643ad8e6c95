"""Run sync passes from the shell: `python manage.py sync_tango [--what open,recent,...]`.

Calls the same sync passes as the beat tasks, in this process (no worker needed).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from orders.sync import passes, reference
from tango.errors import TangoError

PASSES = ("accounts", "catalog", "open", "recent", "line_items", "stuck")


class Command(BaseCommand):
    help = "Sync orders, line items, accounts and the catalog from Tango now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--what",
            default="accounts,open,recent,line_items,stuck",
            help=f"Comma-separated passes among {', '.join(PASSES)} (catalog only on request).",
        )
        parser.add_argument("--days", type=int, default=None, help="Window for recent passes.")
        parser.add_argument(
            "--force-catalog", action="store_true", help="Read the catalog even if read lately."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = [name.strip() for name in options["what"].split(",") if name.strip()]
        unknown = sorted(set(wanted) - set(PASSES))
        if unknown:
            raise CommandError(f"Unknown pass(es): {', '.join(unknown)}; use {', '.join(PASSES)}.")
        days = options["days"]
        runs = {
            "accounts": lambda: reference.sync_accounts(),
            "catalog": lambda: reference.sync_catalog(force=options["force_catalog"]),
            "open": lambda: passes.sync_open_orders(),
            "recent": lambda: passes.sync_recent_orders(days=days),
            "line_items": lambda: passes.sync_recent_line_items(days=days),
            "stuck": lambda: passes.flag_stuck_orders(),
        }
        for name in wanted:
            try:
                result = runs[name]()
            except TangoError as exc:
                raise CommandError(f"{name}: {exc}") from exc
            summary = result.as_dict() if hasattr(result, "as_dict") else {"flagged": result}
            details = ", ".join(f"{key}={value}" for key, value in summary.items())
            self.stdout.write(f"{name}: {details}")
