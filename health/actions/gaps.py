"""Find revision gaps and ask Tango to replay them (POST /webhooks/{id}/replay).

The replayed events arrive at our endpoint like new ones and dedupe by eventId, so asking
twice is harmless; a gap is asked for again only after REPLAY_AGAIN_AFTER, and is marked
filled once none of its revisions is missing any more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from health.gaps import missing_ranges
from health.models import RevisionGap, Subscription
from tango.client import get_client
from tango.errors import TangoError

logger = logging.getLogger(__name__)

REPLAY_AGAIN_AFTER = timedelta(minutes=30)


@dataclass
class GapReport:
    missing: list[tuple[int, int]] = field(default_factory=list)
    replayed: list[tuple[int, int]] = field(default_factory=list)
    filled: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "missing": len(self.missing),
            "replayed": len(self.replayed),
            "filled": self.filled,
            "errors": self.errors,
        }


def _overlaps(gap: RevisionGap, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= gap.high and high >= gap.low for low, high in ranges)


def fill_gaps(*, webhook_id: str | None = None, now: datetime | None = None) -> GapReport:
    """Detect the gaps, mark the filled ones, ask Tango to replay the open ones."""
    now = now or timezone.now()
    report = GapReport(missing=missing_ranges())
    if webhook_id is None:
        subscription = Subscription.objects.order_by("-checked_at").first()
        webhook_id = subscription.webhook_id if subscription else None
    open_gaps = RevisionGap.objects.filter(filled_at__isnull=True)
    for gap in open_gaps:
        if not _overlaps(gap, report.missing):
            gap.filled_at = now
            gap.save(update_fields=["filled_at"])
            report.filled += 1
    if webhook_id is None:
        if report.missing:
            report.errors.append("no webhook subscription known: run the subscription check")
        return report
    for low, high in report.missing:
        with transaction.atomic():
            gap, _ = RevisionGap.objects.select_for_update().get_or_create(
                webhook_id=webhook_id, low=low, high=high, defaults={"detected_at": now}
            )
            if gap.replay_requested_at and now - gap.replay_requested_at < REPLAY_AGAIN_AFTER:
                continue
        report.replayed.append((low, high))
        try:
            answer = get_client().replay_webhook_events(
                webhook_id, from_revision=low, to_revision=high
            )
        except TangoError as exc:
            logger.warning("replay of revisions %s-%s failed: %s", low, high, exc)
            RevisionGap.objects.filter(pk=gap.pk).update(
                replay_requested_at=now, replay_error=str(exc)[:2000]
            )
            report.errors.append(str(exc))
            continue
        RevisionGap.objects.filter(pk=gap.pk).update(
            replay_requested_at=now, replay_events=answer.number_of_events, replay_error=""
        )
        logger.info(
            "asked Tango to replay revisions %s-%s (%s events)", low, high, answer.number_of_events
        )
    return report
