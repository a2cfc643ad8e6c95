"""Big exports run as a background job: enqueued by name after commit, written by the task
(called directly, never eager), progress on its page, downloadable by its owner only, until
it expires; every start and download is audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from finance.models import ExportJob
from finance.tasks import purge_expired_exports, run_export_job


@pytest.fixture(autouse=True)
def small_limit(settings, tmp_path):
    settings.FINANCE_EXPORT_ASYNC_ROWS = 3
    settings.FINANCE_EXPORT_DIR = tmp_path / "exports"


def start(client, march, file_format="csv", kind="lines"):
    return client.post(
        reverse("finance:export"),
        {
            "kind": kind,
            "file_format": file_format,
            "scope": "report",
            "query_string": urlencode(march),
        },
    )


@pytest.fixture
def owner(client, make_user):
    user = make_user("Finance", username="owner")
    client.force_login(user)
    return user


def test_a_big_export_becomes_a_job_enqueued_after_commit(
    client, owner, ledger, march, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, march)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("finance:export-job", args=[job.token])
    assert sent_tasks == [("finance.tasks.run_export_job", {"job_id": job.pk})]
    assert (job.owner, job.status, job.total_rows) == (owner, "queued", 12)
    assert AuditEntry.objects.get().action == "export.job"
    page = client.get(response["Location"])
    assert b"Queued" in page.content and b'hx-trigger="every 1s"' in page.content


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_task_writes_the_file_and_the_owner_downloads_it(
    client, owner, ledger, march, sent_tasks, file_format
):
    start(client, march, file_format)
    job = ExportJob.objects.get()
    assert run_export_job(job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.done_rows, job.percent) == ("done", 12, 100)
    assert job.file_name.endswith(f".{file_format}")
    fragment = client.get(
        reverse("finance:export-job", args=[job.token]), headers={"HX-Request": "true"}
    )
    assert b"Download" in fragment.content and b"every 1s" not in fragment.content
    response = client.get(reverse("finance:export-download", args=[job.token]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        rows = list(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert sum(1 for row in rows if row and str(row[0] or "").startswith("RA")) == 12
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("id")) == [
        "export.job",
        "export.download",
    ]


def test_a_second_run_of_the_same_message_does_nothing(client, owner, ledger, march, sent_tasks):
    start(client, march)
    job = ExportJob.objects.get()
    run_export_job(job.pk)
    finished = ExportJob.objects.get().finished_at
    assert run_export_job(job.pk) == "done"
    assert ExportJob.objects.get().finished_at == finished


def test_only_the_owner_sees_or_downloads_the_job(
    client, owner, ledger, march, make_user, sent_tasks
):
    start(client, march)
    job = ExportJob.objects.get()
    run_export_job(job.pk)
    client.force_login(make_user("Admin", username="someone-else"))
    assert client.get(reverse("finance:export-job", args=[job.token])).status_code == 404
    assert client.get(reverse("finance:export-download", args=[job.token])).status_code == 404


def test_an_expired_export_cannot_be_downloaded_and_its_file_is_purged(
    client, owner, ledger, march, sent_tasks
):
    start(client, march)
    job = ExportJob.objects.get()
    run_export_job(job.pk)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(reverse("finance:export-download", args=[job.token])).status_code == 404
    page = client.get(reverse("finance:export-job", args=[job.token]))
    assert b"expired" in page.content
    assert purge_expired_exports() == 1
    assert ExportJob.objects.get().file_name == ""


def test_recipients_are_left_out_when_the_permission_was_taken_away(
    client, ledger, march, make_user, sent_tasks, roles
):
    admin = make_user("Admin", username="boss")
    client.force_login(admin)
    start(client, march)
    job = ExportJob.objects.get()
    assert job.include_recipients
    admin.groups.set([roles["Finance"]])
    run_export_job(job.pk)
    job.refresh_from_db()
    client.force_login(admin)
    body = b"".join(
        client.get(reverse("finance:export-download", args=[job.token])).streaming_content
    )
    assert b"Recipient email" not in body and b"@example.com" not in body


def test_a_failing_job_is_marked_failed(client, owner, ledger, march, sent_tasks, monkeypatch):
    from finance.actions import exports

    start(client, march)
    job = ExportJob.objects.get()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write_csv", broken)
    with pytest.raises(RuntimeError):
        run_export_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "disk full")
    assert (
        b"The export failed" in client.get(reverse("finance:export-job", args=[job.token])).content
    )
