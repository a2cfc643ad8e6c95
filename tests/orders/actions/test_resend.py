"""Resending a reward (orders/actions/resend.py): the request (claim + enqueue after commit),
the send (perform_resend) and its task's retries.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from audit.models import AuditEntry
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions import resend
from orders.actions.resend import ResendTarget
from orders.models import LineItem, OrderEvent
from orders.tasks.staff import resend_line_item_task
from tango.errors import TangoRejected, TangoThrottled, TangoUnavailable
from tests.factories import OrderFactory, placed_line_item

# Every test here talks to the fake Tango (placed_line_item and at_tango hold orders there).
pytestmark = pytest.mark.usefixtures("tango")
IP = "10.1.2.3"


def request(line_item: LineItem, user, **target) -> OrderEvent:
    return resend.request_resend(
        line_item_id=line_item.pk,
        actor=Actor.for_user(user, ip=IP),
        target=ResendTarget(**target),
    )


def test_request_resend_claims_records_and_enqueues_after_commit(
    staff, django_capture_on_commit_callbacks, record_tasks
):
    line_item = placed_line_item()
    sent = []
    record_tasks(lambda name, kw: sent.append((name, kw)))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = request(line_item, staff)
    assert sent == []  # nothing reaches the broker before the transaction commits
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [
        (
            "orders.tasks.staff.resend_line_item_task",
            {"line_item_id": line_item.pk, "request_event_id": event.pk},
        )
    ]

    line_item.refresh_from_db()
    assert line_item.resend_requested_at is not None
    assert event.kind == OrderEvent.Kind.RESEND_REQUESTED and event.actor == staff
    audit = AuditEntry.objects.get(action="line_item.resend")
    assert (audit.actor, audit.ip_address, audit.object_id) == (staff, IP, str(line_item.pk))


def test_second_resend_while_one_is_queued_is_refused(staff, django_capture_on_commit_callbacks):
    line_item = placed_line_item()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request(line_item, staff)
        with pytest.raises(ActionNotAllowed, match="already queued"):
            request(line_item, staff)
    assert len(callbacks) == 1
    assert line_item.events.filter(kind=OrderEvent.Kind.RESEND_REQUESTED).count() == 1


def test_the_claim_itself_refuses_a_racing_second_request(staff):
    """Both requests passed the eligibility check; only the conditional UPDATE decides."""
    line_item = placed_line_item()
    stale = LineItem.objects.get(pk=line_item.pk)  # read before the first claim
    request(line_item, staff)
    LineItem.objects.filter(pk=line_item.pk).update(resend_requested_at=timezone.now())
    assert resend.resend_blocker(stale) is None  # the loser's view of the world
    with pytest.raises(ActionNotAllowed):
        request(stale, staff)


def test_a_stale_marker_from_a_lost_task_can_be_reclaimed(staff):
    line_item = placed_line_item(resend_requested_at=timezone.now() - timedelta(minutes=11))
    request(line_item, staff)
    line_item.refresh_from_db()
    assert line_item.resend_requested_at > timezone.now() - timedelta(minutes=1)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": "FAILED"}, "Only COMPLETE"),
        ({"delivery_method": "ADDRESS"}, "physical mail"),
        ({"delivery_method": "EMBEDDED"}, "cannot be resent"),
        ({"reward_status": "CANCELLED"}, "cancelled"),
    ],
)
def test_resend_is_refused_for_rewards_tango_cannot_resend(staff, changes, reason):
    line_item = placed_line_item(**changes)
    with pytest.raises(ActionNotAllowed, match=reason):
        request(line_item, staff)
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.RESEND_REQUESTED).exists()


def test_resend_of_an_unplaced_order_is_refused(staff, db):
    line_item = OrderFactory().line_items.get()
    assert "not been placed" in resend.resend_blocker(line_item)


def test_a_corrected_address_needs_a_reason(staff):
    with pytest.raises(ActionNotAllowed, match="reason"):
        request(placed_line_item(), staff, new_email="new@example.com")


def test_perform_resend_sends_once_and_writes_the_result(staff, tango):
    line_item = placed_line_item()
    event = request(line_item, staff, new_email="fixed@example.com", reason="typo in domain")

    result = resend.perform_resend(line_item_id=line_item.pk, request_event_id=event.pk)

    assert tango.names() == ["resend_line_item"]
    _, kwargs = tango.calls[0]
    assert kwargs["reference_line_item_id"] == line_item.reference_line_item_id
    assert kwargs["new_email"] == "fixed@example.com"
    assert kwargs["new_delivery_method"] is None  # still email: Tango keeps the channel
    line_item.refresh_from_db()
    assert (line_item.resend_count, line_item.resend_requested_at) == (1, None)
    assert line_item.last_resent_at is not None
    assert result.kind == OrderEvent.Kind.RESENT
    assert result.details["request_event_id"] == event.pk
    assert "f***@example.com" in result.message and "fixed@" not in result.message

    # A redelivered task (acks_late) finds the request answered and does not resend.
    again = resend.perform_resend(line_item_id=line_item.pk, request_event_id=event.pk)
    assert again is None
    assert tango.names() == ["resend_line_item"]


def test_a_corrected_mobile_switches_an_email_reward_to_text(staff, tango):
    line_item = placed_line_item()
    event = request(line_item, staff, new_mobile="+15551234567", reason="prefers SMS")
    resend.perform_resend(line_item_id=line_item.pk, request_event_id=event.pk)
    kwargs = tango.calls[0][1]
    assert kwargs["new_mobile_number"] == "+15551234567"
    assert kwargs["new_delivery_method"] == "PHONE"


def test_task_retries_after_tangos_throttle_window(staff, tango, monkeypatch):
    line_item = placed_line_item()
    event = request(line_item, staff)
    tango.errors["resend_line_item"] = TangoThrottled("sent too recently", retry_after=17.0)
    retries = []

    def fake_retry(exc=None, countdown=None, **kwargs):
        retries.append(countdown)
        return Retry()

    monkeypatch.setattr(resend_line_item_task, "retry", fake_retry)
    with pytest.raises(Retry):
        resend_line_item_task(line_item.pk, event.pk)

    assert retries == [17.0]
    line_item.refresh_from_db()
    assert line_item.resend_requested_at is not None  # still in flight: no second request
    note = line_item.events.filter(details__throttled_until__isnull=False).get()
    assert "one resend every 30 seconds" in note.message


def test_task_marks_a_rejected_resend_failed_and_frees_the_line_item(staff, tango):
    line_item = placed_line_item()
    event = request(line_item, staff)
    tango.errors["resend_line_item"] = TangoRejected("Cannot resend", i18n_key="403.011")

    assert resend_line_item_task(line_item.pk, event.pk) == "failed"

    line_item.refresh_from_db()
    assert line_item.resend_requested_at is None
    failed = line_item.events.get(kind=OrderEvent.Kind.RESEND_FAILED)
    assert "Cannot resend" in failed.message
    assert failed.details == {"request_event_id": event.pk, "i18n_key": "403.011"}


def test_task_gives_up_on_an_outage_after_its_last_retry(staff, tango):
    line_item = placed_line_item()
    event = request(line_item, staff)
    tango.errors["resend_line_item"] = TangoUnavailable("502")
    resend_line_item_task.push_request(retries=resend_line_item_task.max_retries)
    try:
        assert resend_line_item_task(line_item.pk, event.pk) == "failed"
    finally:
        resend_line_item_task.pop_request()
    assert line_item.events.filter(kind=OrderEvent.Kind.RESEND_FAILED).exists()


def test_task_succeeds(staff, tango):
    line_item = placed_line_item()
    event = request(line_item, staff)
    assert resend_line_item_task(line_item.pk, event.pk) == "resent"
