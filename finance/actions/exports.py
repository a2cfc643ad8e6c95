"""Exports: stream a small one at once, or start a job for a big one; the job's work; the
owner's download; expired files removed. Every export is audited (what, which filter, how
many rows, with or without recipient data, who, from where)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import jobs
from core.actor import Actor
from core.errors import ActionNotAllowed
from finance.actions.auditing import EXPORT_CSV, EXPORT_DOWNLOAD, EXPORT_JOB, EXPORT_XLSX, audit
from finance.exports.sources import KINDS, SCOPES, ExportSource, build_source
from finance.exports.writers import write_csv, write_xlsx
from finance.models import ExportJob

logger = logging.getLogger(__name__)
FORMATS = ("csv", "xlsx")


def may_see_recipients(user: Any) -> bool:
    return user.has_perm("orders.view_recipient")


def check_request(*, kind: str, file_format: str, scope: str) -> None:
    if kind not in KINDS or file_format not in FORMATS or scope not in SCOPES:
        raise ActionNotAllowed("Unknown export.")


def prepare_export(
    *, user: Any, kind: str, file_format: str, scope: str, query_string: str
) -> ExportSource:
    check_request(kind=kind, file_format=file_format, scope=scope)
    return build_source(
        kind=kind,
        scope=scope,
        query_string=query_string,
        user=user,
        include_recipients=may_see_recipients(user),
    )


def record_export(
    *,
    actor: Actor,
    kind: str,
    file_format: str,
    scope: str,
    query_string: str,
    rows: int,
    include_recipients: bool,
) -> None:
    """The audit row of an export served at once (written before the first byte is sent)."""
    audit(
        actor=actor,
        action=EXPORT_CSV if file_format == "csv" else EXPORT_XLSX,
        after={
            "kind": kind,
            "scope": scope,
            "query": query_string[:1000],
            "rows": rows,
            "recipients": include_recipients,
        },
    )


def start_export_job(
    *,
    actor: Actor,
    kind: str,
    file_format: str,
    scope: str,
    query_string: str,
    rows: int,
) -> ExportJob:
    check_request(kind=kind, file_format=file_format, scope=scope)
    user = actor.user
    include = may_see_recipients(user)
    with transaction.atomic():
        job = ExportJob.objects.create(
            owner=user,
            kind=kind,
            file_format=file_format,
            query_string=f"scope={scope}&{query_string}" if query_string else f"scope={scope}",
            include_recipients=include,
            total_rows=rows,
            expires_at=timezone.now() + timedelta(hours=settings.FINANCE_EXPORT_TTL_HOURS),
        )
        audit(
            actor=actor,
            action=EXPORT_JOB,
            obj=job,
            after={
                "kind": kind,
                "format": file_format,
                "scope": scope,
                "query": query_string[:1000],
                "rows": rows,
                "recipients": include,
            },
        )
        jobs.enqueue("finance.tasks.run_export_job", job_id=job.pk)
    return job


def job_scope(job: ExportJob) -> tuple[str, str]:
    scope, _, rest = job.query_string.partition("&")
    return scope.removeprefix("scope="), rest


def run_export_job(*, job_id: int) -> ExportJob:
    """Write the job's file (idempotent: only a queued job is claimed; a redelivered message
    for a job another worker runs or finished does nothing)."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    if not claimed:
        return job
    scope, query_string = job_scope(job)
    folder = Path(settings.FINANCE_EXPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{job.token}.{job.file_format}"

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done_rows=done)

    try:
        source = build_source(
            kind=job.kind,
            scope=scope,
            query_string=query_string,
            user=job.owner,
            # Re-checked now: a permission taken away since the click is taken away here too.
            include_recipients=job.include_recipients and may_see_recipients(job.owner),
        )
        writer = write_csv if job.file_format == "csv" else write_xlsx
        writer(source, folder / name, progress)
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE, file_name=name, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def export_file(job: ExportJob) -> Path | None:
    """The job's file if it may still be downloaded, else None."""
    if job.status != ExportJob.Status.DONE or not job.file_name:
        return None
    if job.expires_at <= timezone.now():
        return None
    path = Path(settings.FINANCE_EXPORT_DIR) / job.file_name
    return path if path.is_file() else None


def record_download(*, job: ExportJob, actor: Actor) -> None:
    audit(actor=actor, action=EXPORT_DOWNLOAD, obj=job, after={"rows": job.done_rows})


def purge_expired_exports() -> int:
    """Delete the files of expired jobs (the rows stay: the audit log points at them)."""
    expired = ExportJob.objects.filter(expires_at__lte=timezone.now()).exclude(file_name="")
    removed = 0
    for job in expired:
        (Path(settings.FINANCE_EXPORT_DIR) / job.file_name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file_name="")
        removed += 1
    return removed
