"""Revision gaps: Tango numbers each subscription's events 1, 2, 3...; a revision missing
between two we received is an event that never reached us (lost, or withheld). Found with one
window query over the stored events (LAG over revision), so it stays cheap however many
events are stored. Events before the first one we hold are not counted as missing (they may
predate our subscription)."""

from __future__ import annotations

from django.db.models import F, Window
from django.db.models.functions import Lag

from orders.models import WebhookEvent

# Look at the most recent revisions only: older gaps were found (and replayed) long ago, and
# Tango replays only 90 days back.
LOOKBACK_REVISIONS = 50_000


def missing_ranges(*, lookback: int = LOOKBACK_REVISIONS) -> list[tuple[int, int]]:
    """(low, high) of each run of revisions missing between two received events."""
    events = WebhookEvent.objects.filter(revision__isnull=False)
    newest = events.order_by("-revision").values_list("revision", flat=True).first()
    if newest is None:
        return []
    rows = (
        events.filter(revision__gt=newest - lookback)
        .annotate(previous=Window(Lag("revision"), order_by=F("revision").asc()))
        .filter(revision__gt=F("previous") + 1)
        .values_list("previous", "revision")
        .order_by("revision")
    )
    return [(previous + 1, revision - 1) for previous, revision in rows]
