"""Staff actions and their tasks: resend, hold/release, reveal, line-item actions, bulk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from audit.models import AuditEntry
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions import bulk_jobs, holds, notes, resend, rewards
from orders.actions.resend import ResendTarget
from orders.actions.saved_views import clean_query_string, delete_view, save_view
from orders.models import BulkJob, LineItem, OrderEvent
from orders.tasks.staff import resend_line_item_task, run_bulk_job
from tango.errors import TangoRejected, TangoThrottled, TangoUnavailable
from tango.testing import FakeTango
from tests.factories import CatalogItemFactory, LineItemFactory, OrderFactory, at_tango

IP = "10.1.2.3"


@pytest.fixture(autouse=True)
def tango(fake_tango: FakeTango) -> FakeTango:
    """Every test here talks to the fake (placed_line_item mirrors its order there)."""
    return fake_tango


@pytest.fixture
def staff(make_user):
    return make_user("Manager")


def placed_line_item(**kwargs) -> LineItem:
    order = OrderFactory(placed=True)
    line_item = order.line_items.get()
    for key, value in kwargs.items():
        setattr(line_item, key, value)
    line_item.save()
    at_tango(order)
    return line_item


def request(line_item: LineItem, user, **target) -> OrderEvent:
    return resend.request_resend(
        line_item_id=line_item.pk,
        actor=Actor.for_user(user, ip=IP),
        target=ResendTarget(**target),
    )


# --- resend: request (claim + enqueue after commit) ------------------------------------------


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


# --- resend: perform (the task's service) ----------------------------------------------------


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


# --- hold / release ------------------------------------------


def test_hold_and_release_write_one_audit_row_each_with_the_ip(
    staff, django_capture_on_commit_callbacks, record_tasks
):
    enqueued = []
    record_tasks(lambda name, kw: enqueued.append((name, kw["order_id"])))
    order = OrderFactory()  # queued, not placed yet

    holds.hold(
        order_id=order.pk,
        actor=Actor.for_user(staff, ip=IP),
        note="customer asked",
    )
    order.refresh_from_db()
    assert (order.state, order.hold_reason, order.hold_note) == ("held", "staff", "customer asked")
    hold_rows = AuditEntry.objects.filter(action="order.hold")
    assert [(row.ip_address, row.actor) for row in hold_rows] == [(IP, staff)]

    with django_capture_on_commit_callbacks(execute=True):
        holds.release(
            order_id=order.pk,
            actor=Actor.for_user(staff, ip=IP),
            note="ok now",
        )
    order.refresh_from_db()
    assert order.state == "queued"
    assert enqueued == [("orders.tasks.placement.place_order_task", order.pk)]
    assert (
        AuditEntry.objects.filter(
            action="order.release",
        ).count()
        == 1
    )

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ActionNotAllowed),
    ):
        holds.release(
            order_id=order.pk,
            actor=Actor.for_user(staff, ip=IP),
            note="",
        )
    # The double click enqueued nothing more.
    assert enqueued == [("orders.tasks.placement.place_order_task", order.pk)]


def test_hold_is_refused_once_the_order_is_at_tango(staff):
    order = OrderFactory(placed=True)
    with pytest.raises(ActionNotAllowed, match="Tango has no hold API"):
        holds.hold(
            order_id=order.pk,
            actor=Actor.for_user(staff, ip=IP),
            note="x",
        )


def test_hold_needs_a_reason(staff):
    with pytest.raises(ActionNotAllowed, match="reason"):
        holds.hold(
            order_id=OrderFactory().pk,
            actor=Actor.for_user(staff, ip=IP),
            note=" ",
        )


# --- credential reveal ------------------------------------------------------------------------


def test_reveal_fetches_from_tango_audits_and_stores_nothing(staff, tango):
    line_item = placed_line_item()
    reward = rewards.reveal_credential(
        line_item_id=line_item.pk,
        actor=Actor.for_user(staff, ip=IP),
        reason="ticket 42",
    )
    assert tango.names() == ["get_order"]
    assert reward.credentials[1].value == "9876-5432"
    audit = AuditEntry.objects.get(action="credential.reveal")
    assert (audit.reason, audit.ip_address) == ("ticket 42", IP)
    assert line_item.events.filter(kind=OrderEvent.Kind.CREDENTIAL_REVEALED).exists()
    stored = [repr(a.after) + a.reason for a in AuditEntry.objects.all()]
    stored += [e.message + repr(e.details) for e in OrderEvent.objects.all()]
    assert not any("9876-5432" in text or "XYZ-123" in text for text in stored)


def test_reveal_needs_a_reason_and_an_issued_reward(staff, tango):
    with pytest.raises(ActionNotAllowed, match="reason"):
        rewards.reveal_credential(
            line_item_id=placed_line_item().pk,
            actor=Actor.for_user(staff, ip=IP),
            reason=" ",
        )
    with pytest.raises(ActionNotAllowed, match="COMPLETE"):
        rewards.reveal_credential(
            line_item_id=placed_line_item(status="PENDING").pk,
            actor=Actor.for_user(staff, ip=IP),
            reason="x",
        )
    assert tango.calls == []


# --- cancel / freeze / unfreeze -----------------------------------------------------------------


def choice_line_item(**kwargs) -> LineItem:
    defaults = {
        "date_issued": timezone.now() - timedelta(days=1),
        "can_cancel": True,
        "can_freeze": True,
        "reward_status": "ACTIVE",
    }
    return placed_line_item(**{**defaults, **kwargs})


def test_cancel_calls_tango_and_stores_what_tango_says_now(staff, tango):
    line_item = choice_line_item()
    rewards.perform_line_item_action(
        line_item_id=line_item.pk,
        action="cancel",
        reason_code="DUPLICATE",
        other_reason="",
        actor=Actor.for_user(staff, ip=IP),
    )
    assert tango.names() == ["cancel_line_item", "get_line_item"]
    assert tango.calls[0][1] == {
        "reference_line_item_id": line_item.reference_line_item_id,
        "reason_code": "DUPLICATE",
        "other_reason": "",
    }
    line_item.refresh_from_db()
    assert (line_item.status, line_item.reward_status, line_item.can_cancel) == (
        "CANCELLED",
        "CANCELLED",
        False,
    )
    audit = AuditEntry.objects.get(action="line_item.cancel")
    assert audit.before["status"] == "COMPLETE" and audit.after["status"] == "CANCELLED"


@pytest.mark.parametrize(
    ("action", "changes", "reason"),
    [
        ("cancel", {"date_issued": timezone.now() - timedelta(days=6)}, "5-day window"),
        ("cancel", {"can_cancel": False}, "does not allow"),
        ("freeze", {"reward_status": "FROZEN"}, "already frozen"),
        ("unfreeze", {}, "not frozen"),
    ],
)
def test_line_item_actions_are_refused_outside_tangos_rules(staff, tango, action, changes, reason):
    line_item = choice_line_item(**changes)
    with pytest.raises(ActionNotAllowed, match=reason):
        rewards.perform_line_item_action(
            line_item_id=line_item.pk,
            action=action,
            reason_code="FRAUD",
            other_reason="",
            actor=Actor.for_user(staff, ip=IP),
        )
    assert tango.calls == []


def test_only_choice_products_can_be_cancelled(staff):
    order = OrderFactory(placed=True, line_item=None)
    line_item = LineItemFactory(
        order=order,
        catalog_item=CatalogItemFactory(fixed=True),
        date_issued=timezone.now(),
        can_cancel=True,
    )
    assert "Choice products" in rewards.line_item_action_blocker(line_item, "cancel")


# --- notes, unmasking, saved views -------------------------------------------------------------


def test_note_goes_on_the_timeline_and_into_the_audit_log(staff):
    order = OrderFactory()
    notes.add_note(
        order_id=order.pk,
        actor=Actor.for_user(staff, ip=IP),
        text="Called Jane",
    )
    assert order.events.get(kind=OrderEvent.Kind.NOTE).message == "Called Jane"
    assert AuditEntry.objects.get(action="order.note").ip_address == IP


def test_saved_view_keeps_filters_but_not_paging(staff):
    assert clean_query_string("?status=FAILED&after=abc&start=51&sort=-amount") == (
        "status=FAILED&sort=-amount"
    )
    view = save_view(
        name="Failed",
        query_string="status=FAILED&before=x",
        actor=Actor.for_user(staff, ip=IP),
    )
    assert view.query_string == "status=FAILED"
    with pytest.raises(ActionNotAllowed, match="already exists"):
        save_view(
            name="failed",
            query_string="",
            actor=Actor.for_user(staff, ip=IP),
        )
    delete_view(
        view_id=view.pk,
        actor=Actor.for_user(staff, ip=IP),
    )
    assert AuditEntry.objects.filter(action__startswith="saved_view.").count() == 2


# --- bulk jobs ------------------------------------------------------------------------------------


def test_bulk_job_is_enqueued_after_commit_and_refuses_too_many(
    staff, django_capture_on_commit_callbacks, record_tasks
):
    started = []
    record_tasks(lambda name, kw: started.append((name, kw["job_id"])))
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk_jobs.start_bulk_job(
            action="release",
            order_ids=[3, 1, 3],
            reason="",
            actor=Actor.for_user(staff, ip=IP),
        )
    assert started == [("orders.tasks.staff.run_bulk_job", job.pk)]
    assert (job.order_ids, job.total) == ([1, 3], 2)
    with pytest.raises(ActionNotAllowed, match="at most"):
        bulk_jobs.start_bulk_job(
            action="release",
            order_ids=list(range(1, bulk_jobs.MAX_BULK_ORDERS + 2)),
            reason="",
            actor=Actor.for_user(staff, ip=IP),
        )


def test_bulk_release_reports_each_order(staff):
    held = OrderFactory(state="held", hold_reason="staff")
    placed = OrderFactory(placed=True)
    job = BulkJob.objects.create(
        action="release", order_ids=[held.pk, placed.pk], total=2, created_by=staff
    )
    assert run_bulk_job(job.pk) == {"done": 2, "succeeded": 1, "failed": 1}
    job.refresh_from_db()
    assert job.status == "done" and job.finished_at is not None
    assert [row["ok"] for row in job.results] == [True, False]
    held.refresh_from_db()
    assert held.state == "queued"


def test_bulk_resend_sends_inline_and_resumes_where_it_stopped(staff, tango):
    first, second = at_tango(OrderFactory(placed=True)), at_tango(OrderFactory(placed=True))
    job = BulkJob.objects.create(
        action="resend",
        order_ids=[first.pk, second.pk],
        total=2,
        done=1,  # a previous worker finished the first order, then died
        status="running",
        created_by=staff,
        reason="campaign mail bounced",
    )
    bulk_jobs.perform_bulk_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.done, job.succeeded, job.failed, job.status) == (2, 1, 0, "done")
    assert tango.names() == ["resend_line_item"]
    assert tango.calls[0][1]["reference_line_item_id"] == (
        second.line_items.get().reference_line_item_id
    )
    assert second.line_items.get().resend_count == 1

    # A redelivered, finished job does nothing.
    bulk_jobs.perform_bulk_job(job_id=job.pk)
    assert tango.names() == ["resend_line_item"]


def test_bulk_resend_reports_a_throttled_order_as_failed(staff, tango):
    order = at_tango(OrderFactory(placed=True))
    tango.errors["resend_line_item"] = TangoThrottled("too soon", retry_after=20)
    job = BulkJob.objects.create(action="resend", order_ids=[order.pk], total=1, created_by=staff)
    bulk_jobs.perform_bulk_job(job_id=job.pk)
    job.refresh_from_db()
    assert (job.succeeded, job.failed) == (0, 1)
    assert "throttle" in job.results[0]["message"].lower()
    assert order.line_items.get().resend_requested_at is None  # free to retry by hand


def test_hold_is_offered_only_before_any_placement_attempt(db):
    from orders.actions.holds import hold_blocker
    from tests.factories import OrderFactory

    fresh = OrderFactory()
    assert hold_blocker(fresh) is None
    tried = OrderFactory(placement_attempts=1)
    # An earlier POST may have created it at Tango: holding would hide a delivered reward.
    assert "may already be at Tango" in hold_blocker(tried)
