"""Action views: resend, hold/release, refresh, line-item actions, bulk jobs (HTMX and plain)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from orders.actions import resend
from orders.models import BulkJob, Order, OrderEvent
from orders.sync import passes
from orders.tasks import staff as staff_tasks
from tango.testing import FakeTango
from tests.factories import OrderFactory, at_tango

HTMX = {"HX-Request": "true"}
SAME = {"destination": "same", "reason_code": "NOT_RECEIVED"}


@pytest.fixture
def tango(fake_tango: FakeTango) -> FakeTango:
    return fake_tango


@pytest.fixture
def enqueued(record_tasks):
    """What reached the broker (after commit) instead of a real broker."""
    sent: list[tuple] = []

    def record(name: str, kw: dict) -> None:
        if name == "orders.tasks.staff.resend_line_item_task":
            sent.append((kw["line_item_id"], kw["request_event_id"]))
        elif name == "orders.tasks.staff.run_bulk_job":
            sent.append(("bulk", kw["job_id"]))
        elif name == "orders.tasks.placement.place_order_task":
            sent.append(("place", kw["order_id"]))
        else:
            sent.append((name, kw))

    record_tasks(record)
    return sent


def login(client, make_user, role="Manager"):
    user = make_user(role)
    client.force_login(user)
    return user


def resend_url(line_item) -> str:
    return reverse("orders:resend-line-item", args=[line_item.pk])


def test_double_click_on_resend_sends_one_request_to_tango(
    client, make_user, tango, enqueued, django_capture_on_commit_callbacks
):
    login(client, make_user, "Support")
    line_item = at_tango(OrderFactory(placed=True)).line_items.get()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(resend_url(line_item), SAME, headers=HTMX)
        second = client.post(resend_url(line_item), SAME, headers=HTMX)
    assert "Resend queued" in first.content.decode()
    assert "already queued" in second.content.decode()
    assert len(enqueued) == 1

    # The worker runs the one task; Tango sees exactly one resend.
    staff_tasks.resend_line_item_task(*enqueued[0])
    assert tango.names() == ["resend_line_item"]


def test_resend_form_has_the_double_submit_guard(client, make_user):
    login(client, make_user, "Support")
    order = OrderFactory(placed=True)
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    form = re.search(r'<form class="[^"]*\bresend-form\b[^"]*"[^>]+>', html).group(0)
    assert 'hx-disabled-elt="find button[type=submit]"' in form


def test_in_flight_resend_is_shown_and_polled_until_done(client, make_user, tango, enqueued):
    login(client, make_user, "Support")
    order = at_tango(OrderFactory(placed=True))
    line_item = order.line_items.get()
    client.post(resend_url(line_item), SAME)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Resend in progress" in page
    assert "A resend is already queued for this reward." in page  # button disabled, with why

    def watch_url(html: str) -> str | None:
        found = re.search(r'hx-get="([^"]*\?watch=\d+)" hx-trigger="every 2s"', html)
        return found and found.group(1)

    url = watch_url(page)
    assert url
    assert client.get(url, headers=HTMX).status_code == 204  # nothing new: no swap

    request_event = line_item.events.get(kind=OrderEvent.Kind.RESEND_REQUESTED)
    resend.note_resend_throttled(request_event_id=request_event.pk, retry_after=20)
    news = client.get(url, headers=HTMX)
    assert news.status_code == 200 and "retry in" in news.content.decode()
    url = watch_url(news.content.decode())
    assert url  # still in flight: keeps polling, from the newer event on

    resend.perform_resend(line_item_id=line_item.pk, request_event_id=request_event.pk)
    done = client.get(url, headers=HTMX)
    assert done.status_code == 200 and "Reward resent" in done.content.decode()
    assert watch_url(done.content.decode()) is None  # polling stops


def test_resend_to_a_corrected_email_needs_confirmation_and_a_reason(client, make_user, enqueued):
    login(client, make_user, "Support")
    line_item = OrderFactory(placed=True).line_items.get()
    data = {"destination": "email", "new_email": "new@example.com", "reason_code": "DELIVERY_INFO"}
    response = client.post(resend_url(line_item), data, headers=HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Confirm the new address belongs to the same recipient." in html
    assert "Say why the address changed." in html
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.RESEND_REQUESTED).exists()

    data |= {"same_recipient": "on", "reason": "typo"}
    ok = client.post(resend_url(line_item), data)
    assert ok.status_code == 302
    event = OrderEvent.objects.get(kind=OrderEvent.Kind.RESEND_REQUESTED)
    assert event.details["new_email"] == "new@example.com"


def test_recent_resend_shows_tangos_30_second_countdown(client, make_user):
    login(client, make_user, "Support")
    order = OrderFactory(placed=True)
    order.line_items.update(last_resent_at=timezone.now() - timedelta(seconds=10))
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    seconds = int(re.search(r'data-countdown="(\d+)"', html).group(1))
    assert 18 <= seconds <= 21


def test_hold_then_release_through_htmx(client, make_user, enqueued):
    login(client, make_user, "Manager")
    order = OrderFactory()
    held = client.post(reverse("orders:hold", args=[order.pk]), {"note": "wait"}, headers=HTMX)
    assert "Order put on hold" in held.content.decode()
    order.refresh_from_db()
    assert order.state == "held"

    released = client.post(reverse("orders:release", args=[order.pk]), {}, headers=HTMX)
    assert "queued for placement" in released.content.decode()
    again = client.post(reverse("orders:release", args=[order.pk]), {}, headers=HTMX)
    assert "Only held orders" in again.content.decode()
    order.refresh_from_db()
    assert order.state == "queued"


def test_release_enqueues_placement_once_after_commit(
    client, make_user, enqueued, django_capture_on_commit_callbacks
):
    login(client, make_user, "Manager")
    order = OrderFactory(state="held", hold_reason="staff")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orders:release", args=[order.pk]))
        client.post(reverse("orders:release", args=[order.pk]))
    assert enqueued == [("place", order.pk)]


def test_hold_without_a_reason_is_refused(client, make_user):
    login(client, make_user, "Manager")
    order = OrderFactory()
    response = client.post(reverse("orders:hold", args=[order.pk]), {"note": ""})
    assert response.status_code == 422
    order.refresh_from_db()
    assert order.state == "queued"


def test_refresh_calls_the_sync_service_and_reports(client, make_user, monkeypatch):
    calls = []

    def read_order(**kw):  # Tango's answer: nothing new
        calls.append(kw)
        return passes.OrderRead(order=Order.objects.get(pk=kw["order_id"]))

    monkeypatch.setattr(passes, "read_order", read_order)
    user = login(client, make_user, "Support")
    order = OrderFactory(placed=True)
    response = client.post(reverse("orders:refresh", args=[order.pk]), follow=True)
    assert calls == [{"order_id": order.pk}]
    audit = AuditEntry.objects.get(action="order.refresh")  # on behalf of this user, from here
    assert (audit.actor, audit.object_id, audit.ip_address) == (user, str(order.pk), "127.0.0.1")
    assert b"Refreshed from Tango." in response.content


def test_refresh_shows_tangos_error_instead_of_failing(client, make_user, monkeypatch):
    from tango.errors import TangoUnavailable

    def broken(**kwargs):
        raise TangoUnavailable("bad gateway", status_code=502)

    monkeypatch.setattr(passes, "read_order", broken)
    login(client, make_user, "Support")
    order = OrderFactory(placed=True)
    response = client.post(reverse("orders:refresh", args=[order.pk]), headers=HTMX)
    assert response.status_code == 200
    assert "Tango is unavailable" in response.content.decode()


def test_cancel_a_reward_offers_tangos_reasons_and_shows_the_result(client, make_user, tango):
    login(client, make_user, "Manager")
    order = OrderFactory(placed=True)
    line_item = order.line_items.get()
    # Issued 8 days ago, yet Tango still allows it (the program's window is customised).
    issued = timezone.now() - timedelta(days=8)
    order.line_items.update(date_issued=issued, can_cancel=True, can_freeze=True)
    at_tango(order)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Possible until" not in page
    assert '<option value="RECIPIENT_OBLIGATIONS">' in page  # Tango's list (tango/testing)
    assert "Confirm cancel" in page and "Confirm freeze" in page

    url = reverse("orders:cancel-line-item", args=[line_item.pk])
    response = client.post(url, {"reason_code": "DUPLICATE"}, headers=HTMX)
    assert "Tango accepted it; cancelled." in response.content.decode()
    assert tango.names() == ["cancel_line_item", "get_line_item"]


def test_bulk_release_of_selected_rows_starts_a_job(
    client, make_user, enqueued, django_capture_on_commit_callbacks
):
    login(client, make_user, "Manager")
    first, second = OrderFactory(state="held"), OrderFactory(state="held")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("orders:bulk-start"),
            {"action": "release", "ids": [first.pk, second.pk], "reason": "funded"},
        )
    job = BulkJob.objects.get()
    assert response["Location"] == reverse("orders:bulk-job", args=[job.pk])
    assert (job.order_ids, job.reason) == (sorted([first.pk, second.pk]), "funded")
    assert enqueued == [("bulk", job.pk)]


def test_bulk_on_all_orders_matching_the_filter(client, make_user, enqueued):
    login(client, make_user, "Manager")
    held = [OrderFactory(state="held") for _ in range(3)]
    OrderFactory()  # queued: not matched by the filter
    client.post(
        reverse("orders:bulk-start"),
        {"action": "release", "all_matching": "on", "query_string": "state=held"},
    )
    assert sorted(BulkJob.objects.get().order_ids) == sorted(o.pk for o in held)


def test_bulk_resend_needs_the_resend_permission_too(client, make_user, roles):
    from django.contrib.auth.models import Permission

    user = make_user(None, username="bulk-only")
    for codename in ("view_order", "add_bulkjob", "view_bulkjob"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client.force_login(user)
    response = client.post(reverse("orders:bulk-start"), {"action": "resend", "ids": ["1"]})
    assert response.status_code == 403


def test_bulk_job_page_polls_while_running_and_stops_when_done(client, make_user):
    user = login(client, make_user, "Manager")
    job = BulkJob.objects.create(
        action="resend", order_ids=[1, 2], total=2, done=1, status="running", created_by=user
    )
    url = reverse("orders:bulk-job", args=[job.pk])
    running = client.get(url, headers=HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in running and 'value="1"' in running and "50%" in running
    assert "<html" not in running

    job.status, job.done, job.succeeded, job.failed = "done", 2, 1, 1
    job.results = [
        {"order_id": 2, "ok": False, "message": "Rewards sent by mail cannot be resent."}
    ]
    job.save()
    finished = client.get(url, headers=HTMX).content.decode()
    assert "every 1s" not in finished
    assert "1 succeeded, 1 failed or skipped." in finished
    assert "Rewards sent by mail cannot be resent." in finished
