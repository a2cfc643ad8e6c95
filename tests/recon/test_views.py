"""The reconciliation pages: the queue, the runs list, the run button, resolving from the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from recon.models import Mismatch, ReconRun


@pytest.fixture
def finance(client, make_user):
    user = make_user("Finance")
    client.force_login(user)
    return user


@pytest.fixture
def found(db) -> Mismatch:
    now = timezone.now()
    run = ReconRun.objects.create(
        start=now - timedelta(days=7), end=now, status="mismatches", finished_at=now, found=2
    )
    Mismatch.objects.create(
        first_run=run,
        last_run=run,
        kind="recipient",
        field="recipient_email",
        reference_order_id="RA261101-0001-00",
        reference_line_item_id="RA261101-0001-00-1",
        ours="a***@example.com",
        theirs="s***@example.org",
        ordered_at=now - timedelta(days=1),
    )
    return Mismatch.objects.create(
        first_run=run,
        last_run=run,
        kind="order_status",
        reference_order_id="RA261101-0002-00",
        ours="COMPLETE",
        theirs="SCHEDULED DELIVERY",
        ordered_at=now - timedelta(days=2),
    )


def test_the_queue_lists_open_mismatches_by_kind(client, finance, found):
    page = client.get("/recon/").content.decode()
    assert "RA261101-0002-00" in page and "SCHEDULED DELIVERY" in page
    assert "s***@example.org" in page  # stored masked, shown masked
    assert 'Order status drift <span class="count">1</span>' in page
    only = client.get("/recon/", {"kind": "recipient"}).content.decode()
    assert "RA261101-0002-00" not in only and "RA261101-0001-00-1" in only
    assert 'action="/recon/runs/new/"' in page


def test_explaining_from_the_queue_needs_a_note_and_is_audited(client, finance, found):
    url = f"/recon/mismatches/{found.pk}/resolve/"
    response = client.post(url, {"action": "explain", "note": ""}, follow=True)
    assert "Say why" in response.content.decode()
    found.refresh_from_db()
    assert found.is_open
    client.post(url, {"action": "explain", "note": "Tango's portal shows it scheduled"})
    found.refresh_from_db()
    assert (found.resolution, found.resolved_by) == ("explained", finance)
    audit = AuditEntry.objects.get(action="recon.explain")
    assert audit.reason == "Tango's portal shows it scheduled" and audit.actor == finance
    after = client.get("/recon/?kind=order_status").content.decode()
    assert f'data-mismatch="{found.pk}"' not in after  # out of the queue
    assert "Recently resolved" in after and "Tango&#x27;s portal shows it scheduled" in after


def test_the_button_queues_a_run_for_whole_days(
    client, finance, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/recon/runs/new/", {"start": "2026-11-01", "end": "2026-11-07"})
    assert response.status_code == 302
    run = ReconRun.objects.get()
    assert sent_tasks == [("recon.tasks.run_reconciliation", {"run_id": run.pk})]
    assert (run.start.day, (run.end - run.start).days, run.started_by) == (1, 7, finance)
    assert AuditEntry.objects.filter(action="recon.run", actor=finance).exists()
    page = client.get("/recon/runs/").content.decode()
    assert f'data-run="{run.pk}"' in page and "Queued" in page


def test_a_clean_run_says_so(client, finance):
    now = timezone.now()
    ReconRun.objects.create(
        start=now - timedelta(days=1), end=now, status="clean", finished_at=now, windows=3
    )
    page = client.get("/recon/").content.decode()
    assert "Clean" in page and "Nothing to reconcile" in page
    assert "Clean" in client.get("/recon/runs/").content.decode()


def test_managers_and_support_do_not_see_the_link(client, make_user):
    client.force_login(make_user("Manager"))
    assert 'href="/recon/"' not in client.get("/").content.decode()
    client.force_login(make_user("Finance", username="fin"))
    assert 'href="/recon/"' in client.get("/").content.decode()
