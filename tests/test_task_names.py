"""Every task name the code enqueues, and every task beat schedules, is a registered task.

Writers enqueue by name (core.jobs.enqueue) instead of importing task modules, so a typo or a
renamed task would only show up as an unregistered-task error in a worker. This reads every
`enqueue("...")` literal in the source (and fails on an enqueue whose name is not a literal,
which it could not check) and asks the Celery app.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

from rewards_admin.celery import app

ROOT = Path(__file__).resolve().parents[1]
# The simulator has its own (unrelated) enqueue; bench drives the app from outside.
SKIP = {".venv", "node_modules", "var", "tests", "migrations", ".git", "tango_sim", "bench"}


def _source_files() -> list[Path]:
    return [
        path for path in ROOT.rglob("*.py") if not SKIP.intersection(path.relative_to(ROOT).parts)
    ]


def _enqueued_names() -> dict[str, list[str]]:
    """Task name -> where it is enqueued; non-literal names are reported under '?'."""
    found: dict[str, list[str]] = {}
    for path in _source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name != "enqueue" or path.match("core/jobs.py"):
                continue
            first = node.args[0] if node.args else None
            literal = first.value if isinstance(first, ast.Constant) else "?"
            found.setdefault(str(literal), []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_enqueued_task_name_is_registered() -> None:
    app.loader.import_default_modules()  # what a worker imports: autodiscovered task modules
    enqueued = _enqueued_names()
    assert "?" not in enqueued, f"enqueue() without a literal task name: {enqueued.get('?')}"
    # The writers that enqueue today; a new one shows up here and in the registry check.
    assert {
        "orders.tasks.placement.place_order_task",
        "orders.tasks.sync.place_bulk_order_task",
        "orders.tasks.staff.resend_line_item_task",
        "orders.tasks.staff.run_bulk_job",
        "orders.tasks.webhooks.process_webhook_event",
        "finance.tasks.run_export_job",
        "approvals.tasks.notify_creator_task",
        "approvals.tasks.send_reminder_task",
        "uploads.tasks.run_dry_run",
        "uploads.tasks.place_upload",
        "recon.tasks.run_reconciliation",
    } <= set(enqueued)
    missing = {name: where for name, where in enqueued.items() if name not in app.tasks}
    assert missing == {}


def test_every_beat_task_is_registered() -> None:
    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert app.conf.beat_schedule == schedule  # beat reads it from settings
    # seven orders passes, finance's purge of expired exports and balance check, approvals'
    # expiry and reminders, health's webhook check, the nightly reconciliation
    assert len(schedule) == 15
    missing = [entry["task"] for entry in schedule.values() if entry["task"] not in app.tasks]
    assert missing == []
