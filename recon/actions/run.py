"""Start and perform a reconciliation run; record what it found.

`start_run` (the button, and the nightly beat entry) creates a queued run and enqueues it by
name after commit; `perform_run` (the worker) claims it, reads Tango window by window with no
transaction open, compares (recon.compare), then writes every mismatch in one transaction: a
difference already open is updated (one open row per difference), a new one is created, and an
open one dated in the range that the run no longer finds is cleared; one finance explained is
not reopened while it is the same difference. A run that finds nothing says so: "clean".
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.records import record
from core import jobs
from core.actor import Actor
from core.errors import ActionNotAllowed
from recon.compare import Found, compare_window, missing_at_tango
from recon.models import Mismatch, ReconRun
from recon.reading import tango_windows
from tango.client import get_client
from tango.errors import TangoError

logger = logging.getLogger(__name__)
MAX_RANGE = timedelta(days=366)
# Orders newer than this when the run starts may be in flight between Tango and our sync:
# they are compared, but never reported missing (here or at Tango).
SYNC_LAG = timedelta(minutes=15)


def start_run(*, start: datetime, end: datetime, actor: Actor) -> ReconRun:
    if end <= start:
        raise ActionNotAllowed("The range must end after it starts.")
    if end - start > MAX_RANGE:
        raise ActionNotAllowed("Reconcile at most a year at a time.")
    with transaction.atomic():
        run = ReconRun.objects.create(start=start, end=end, started_by=actor.user_or_none)
        record(
            actor=actor,
            action=AuditAction.RECON_RUN,
            obj=run,
            after={"start": start.isoformat(), "end": end.isoformat()},
        )
        jobs.enqueue("recon.tasks.run_reconciliation", run_id=run.pk)
    return run


def start_nightly(*, now: datetime | None = None) -> ReconRun:
    """The last RECON_DAYS days up to now (beat, once a night)."""
    now = now or timezone.now()
    days = int(getattr(settings, "RECON_DAYS", 35))
    return start_run(start=now - timedelta(days=days), end=now, actor=Actor.system())


def perform_run(*, run_id: int) -> ReconRun:
    claimed = ReconRun.objects.filter(pk=run_id, status=ReconRun.Status.QUEUED).update(
        status=ReconRun.Status.RUNNING, started_at=timezone.now()
    )
    run = ReconRun.objects.get(pk=run_id)
    if not claimed:
        return run  # another worker has it, or it is done
    found: dict[tuple, Found] = {}
    seen: set[str] = set()
    settled = min(run.end, run.started_at - SYNC_LAG)
    try:
        for window in tango_windows(get_client(), run.start, run.end):
            result = compare_window(window.orders, window.line_items, settled_before=settled)
            found.update((f.key, f) for f in result.found)
            seen.update(t.reference_order_id for t in window.orders)
            run.windows += 1
            run.orders_compared += result.orders
            run.line_items_compared += result.line_items
        found.update((f.key, f) for f in missing_at_tango(run.start, settled, seen))
    except TangoError as exc:
        logger.warning("recon: run %s failed: %s", run.pk, exc)
        run.status, run.error, run.finished_at = ReconRun.Status.FAILED, str(exc), timezone.now()
        run.save()
        return run
    run.orders_compared = len(seen)
    with transaction.atomic():
        _write(run, list(found.values()))
    return run


def _write(run: ReconRun, found: list[Found]) -> None:
    now = timezone.now()
    open_rows = {
        m.key: m
        for m in Mismatch.objects.filter(resolution=Mismatch.Resolution.OPEN).select_for_update()
    }
    # A difference finance explained stays explained while it is the same difference.
    explained = {
        m.key: (m.ours, m.theirs)
        for m in Mismatch.objects.filter(resolution=Mismatch.Resolution.EXPLAINED).order_by("id")
    }
    new, updated, counted = [], [], 0
    for f in found:
        row = open_rows.pop(f.key, None)
        if row is None and explained.get(f.key) == (f.ours[:200], f.theirs[:200]):
            continue
        counted += 1
        if row is None:
            new.append(
                Mismatch(
                    first_run=run,
                    last_run=run,
                    kind=f.kind,
                    field=f.field,
                    reference_order_id=f.reference_order_id,
                    reference_line_item_id=f.reference_line_item_id,
                    order_id=f.order_id,
                    line_item_id=f.line_item_id,
                    ordered_at=f.ordered_at,
                    ours=f.ours[:200],
                    theirs=f.theirs[:200],
                )
            )
        else:
            row.last_run, row.ours, row.theirs, row.updated_at = run, f.ours, f.theirs, now
            updated.append(row)
    Mismatch.objects.bulk_create(new, batch_size=1000)
    Mismatch.objects.bulk_update(updated, ["last_run", "ours", "theirs", "updated_at"], 1000)
    gone = [
        m.pk
        for m in open_rows.values()
        if m.ordered_at is not None and run.start <= m.ordered_at <= run.end
    ]
    cleared = Mismatch.objects.filter(pk__in=gone).update(
        resolution=Mismatch.Resolution.CLEARED,
        note=f"No longer found by reconciliation #{run.pk}.",
        resolved_at=now,
        updated_at=now,
    )
    run.found, run.new, run.cleared = counted, len(new), cleared
    run.status = ReconRun.Status.MISMATCHES if counted else ReconRun.Status.CLEAN
    run.finished_at = now
    run.save()
