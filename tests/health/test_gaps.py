"""Revision gaps: found between received events, filled through Tango's replay endpoint."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.actor import Actor
from health.actions.gaps import fill_gaps
from health.actions.subscription import check_subscription, renew_subscription
from health.gaps import missing_ranges
from health.models import RevisionGap, Subscription
from orders.models import WebhookEvent
from orders.webhooks import store_webhook_event
from tango.types import Webhook
from tango.webhooks import parse_envelope
from tests.health.conftest import wait_for


def envelope(revision: int) -> dict:
    return {
        "eventId": str(uuid.uuid4()),
        "revision": revision,
        "category": "PLATFORM",
        "eventType": "ConnectivityTest",
        "eventOccurredAt": "2026-11-02T09:00:00Z",
        "eventData": {"message": "hi"},
    }


def store(event: dict) -> WebhookEvent:
    body = json.dumps(event).encode()
    return store_webhook_event(envelope=parse_envelope(body), body=body)[0]


@pytest.fixture
def no_broker(record_tasks):
    record_tasks(lambda name, kwargs: None)


def test_missing_ranges_are_the_runs_between_received_revisions(db, no_broker):
    for revision in (3, 4, 7, 8, 12):
        store(envelope(revision))
    store(envelope(8) | {"eventId": str(uuid.uuid4())})  # a second event with revision 8
    with CaptureQueriesContext(connection) as queries:
        assert missing_ranges() == [(5, 6), (9, 11)]
    assert len(queries) == 2  # the newest revision, then one window query


def test_no_gap_without_events_or_when_contiguous(db, no_broker):
    assert missing_ranges() == []
    for revision in (1, 2, 3):
        store(envelope(revision))
    assert missing_ranges() == []


def test_fill_gaps_asks_tango_to_replay_each_gap_once_and_marks_it_filled(
    db, no_broker, fake_tango
):
    fake_tango.webhooks.append(Webhook(webhook_id="wh-1", url="u", expires_at=None))
    held = {n: envelope(n) for n in range(1, 7)}
    fake_tango.webhook_events = list(held.values())
    for revision in (1, 2, 5, 6):
        store(held[revision])

    first = fill_gaps(webhook_id="wh-1")
    assert first.missing == [(3, 4)] and first.replayed == [(3, 4)]
    call = fake_tango.calls[-1]
    assert call == (
        "replay_webhook_events",
        {"webhook_id": "wh-1", "from_revision": 3, "to_revision": 4},
    )
    gap = RevisionGap.objects.get()
    assert (gap.low, gap.high, gap.replay_events, gap.filled_at) == (3, 4, 2, None)

    # Nothing arrived yet: the same gap is not asked again right away.
    assert fill_gaps(webhook_id="wh-1").replayed == []
    assert fake_tango.count("replay_webhook_events") == 1

    # The replayed events arrive (dedupe by eventId): the gap is filled.
    fake_tango.deliver = store
    later = timezone.now() + timedelta(hours=1)
    fill_gaps(webhook_id="wh-1", now=later)  # asks again (30 minutes passed), delivered
    assert missing_ranges() == []
    assert fill_gaps(webhook_id="wh-1", now=later).filled == 1
    assert RevisionGap.objects.get().filled_at == later


def test_a_failed_replay_is_kept_on_the_gap(db, no_broker, fake_tango):
    from tango.errors import TangoUnavailable

    fake_tango.webhooks.append(Webhook(webhook_id="wh-1", url="u", expires_at=None))
    for revision in (1, 4):
        store(envelope(revision))
    fake_tango.errors["replay_webhook_events"] = TangoUnavailable("down")
    report = fill_gaps(webhook_id="wh-1")
    assert len(report.errors) == 1 and report.errors[0].endswith("down")
    assert RevisionGap.objects.get().replay_error.endswith("down")


@pytest.mark.integration
def test_a_webhook_gap_at_the_simulator_is_detected_and_filled_by_replay(subscribed_sim):
    """Acceptance: events withheld by the simulator leave a revision gap; replay fills it."""
    sim = subscribed_sim
    subscription = check_subscription()
    first_expiry = subscription.expires_at
    assert subscription is not None and subscription.expires_at is not None

    def status(value: str) -> None:
        sim.admin("POST", "/accounts/acme-usd-02/status", {"status": value})

    status("FROZEN")  # revision 1, delivered
    wait_for(lambda: WebhookEvent.objects.count() == 1)
    sim.withhold(True)
    status("ACTIVE")  # revision 2, withheld
    status("FROZEN")  # revision 3, withheld
    sim.withhold(False)
    status("ACTIVE")  # revision 4, delivered
    wait_for(lambda: WebhookEvent.objects.count() == 2)
    assert sorted(WebhookEvent.objects.values_list("revision", flat=True)) == [1, 4]

    report = fill_gaps(webhook_id=subscription.webhook_id)
    assert report.missing == [(2, 3)] and report.replayed == [(2, 3)]
    assert RevisionGap.objects.get().replay_events == 2

    wait_for(lambda: WebhookEvent.objects.count() == 4)
    assert sorted(WebhookEvent.objects.values_list("revision", flat=True)) == [1, 2, 3, 4]
    assert fill_gaps(webhook_id=subscription.webhook_id).filled == 1
    assert RevisionGap.objects.get().filled_at is not None
    assert Subscription.objects.get().webhook_id == subscription.webhook_id

    # Renewing at the simulator moves the expiry forward (simulated days later).
    sim.advance(3 * 86400)
    renewed = renew_subscription(subscription=subscription, actor=Actor.system())
    assert renewed.expires_at >= first_expiry + timedelta(days=3)
