"""Orders created in the last minutes may be between Tango and our sync: a run compares them
but never reports them missing (here or at Tango); older ones it does (FakeTango)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core.actor import Actor
from recon.actions.run import perform_run, start_run
from recon.models import Mismatch
from tests.factories import OrderFactory


def test_recent_orders_are_not_reported_missing(fake_tango, db, sent_tasks):
    now = timezone.now()
    fake_tango.add("RA-TANGO-OLD", created=now - timedelta(hours=2))
    fake_tango.add("RA-TANGO-NEW", created=now - timedelta(minutes=2))
    OrderFactory(
        placed=True, reference_order_id="RA-OURS-OLD", tango_created_at=now - timedelta(hours=3)
    )
    OrderFactory(
        placed=True, reference_order_id="RA-OURS-NEW", tango_created_at=now - timedelta(minutes=1)
    )
    run = start_run(start=now - timedelta(days=1), end=now, actor=Actor.system())
    run = perform_run(run_id=run.pk)
    missing = set(Mismatch.objects.values_list("kind", "reference_order_id"))
    assert missing == {("missing_here", "RA-TANGO-OLD"), ("missing_at_tango", "RA-OURS-OLD")}
    assert (run.status, run.found, run.windows) == ("mismatches", 2, 1)
