"""Exports: a confirmation page for an orders-list filter, the POST that streams a small
export or starts a job, the job's progress page and the owner's download."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.access import (
    is_fragment_request,
    needed_role_text,
    staff_view,
    vary_on_htmx,
)
from core.actor import Actor
from core.errors import ActionNotAllowed
from finance.actions import exports as actions
from finance.exports.columns import LINE_COLUMNS, ORDER_COLUMNS, TAX_COLUMNS
from finance.exports.sources import KINDS, filterset_for
from finance.exports.writers import csv_chunks, write_xlsx
from finance.models import ExportJob

EXPORT_PERMS = ("orders.view_order", "orders.export_orders")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_http_methods(["GET", "POST"])
@staff_view(*EXPORT_PERMS)
def export(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _confirm(request)
    kind = request.POST.get("kind", "")
    file_format = request.POST.get("file_format", "")
    scope = request.POST.get("scope", "list")
    query_string = request.POST.get("query_string", "")
    if kind in {"report", "tax"} and not request.user.has_perm("orders.view_reports"):
        raise PermissionDenied(needed_role_text("orders.view_reports"))
    try:
        source = actions.prepare_export(
            user=request.user,
            kind=kind,
            file_format=file_format,
            scope=scope,
            query_string=query_string,
        )
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("finance:reports")
    rows = source.count()
    if rows > settings.FINANCE_EXPORT_ASYNC_ROWS:
        job = actions.start_export_job(
            actor=Actor.from_request(request),
            kind=kind,
            file_format=file_format,
            scope=scope,
            query_string=query_string,
            rows=rows,
        )
        messages.info(request, f"{rows:,} rows: the export runs in the background.")
        return redirect("finance:export-job", token=job.token)
    actions.record_export(
        actor=Actor.from_request(request),
        kind=kind,
        file_format=file_format,
        scope=scope,
        query_string=query_string,
        rows=rows,
        include_recipients=actions.may_see_recipients(request.user),
    )
    name = f"rewards-{kind}-{timezone.now():%Y%m%d-%H%M%S}.{file_format}"
    if file_format == "csv":
        response = StreamingHttpResponse(csv_chunks(source), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    # An XLSX file is a zip: written to a temporary file first, then sent from it.
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(source, handle)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"]
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    """What an orders-list filter would export, and the buttons (POST)."""
    filterset = filterset_for("list", request.GET.urlencode(), request.user)
    context = {
        "orders": filterset.qs.count(),
        "query": request.GET.urlencode(),
        "zone": filterset.zone(),
        "recipients": actions.may_see_recipients(request.user),
        "async_rows": settings.FINANCE_EXPORT_ASYNC_ROWS,
        "formats": ("csv", "xlsx"),
    }
    return render(request, "finance/export_confirm.html", context)


def _owned_job(request: HttpRequest, token: str) -> ExportJob:
    # Someone else's job does not exist for you (404, not 403: no probing of tokens).
    return get_object_or_404(ExportJob, token=token, owner=request.user)


@require_GET
@staff_view(*EXPORT_PERMS)
def export_job(request: HttpRequest, token: str) -> HttpResponse:
    job = _owned_job(request, token)
    context = {
        "job": job,
        "running": job.status in {ExportJob.Status.QUEUED, ExportJob.Status.RUNNING},
        "downloadable": actions.export_file(job) is not None,
        "kind_label": KINDS.get(job.kind, job.kind),
    }
    if is_fragment_request(request):
        return vary_on_htmx(render(request, "finance/export_job.html#export-progress", context))
    return vary_on_htmx(render(request, "finance/export_job.html", context))


@require_GET
@staff_view(*EXPORT_PERMS)
def export_download(request: HttpRequest, token: str) -> HttpResponse:
    job = _owned_job(request, token)
    path: Path | None = actions.export_file(job)
    if path is None:
        raise Http404("This export has expired or is not ready.")
    actions.record_download(job=job, actor=Actor.from_request(request))
    name = f"rewards-{job.kind}-{job.created_at:%Y%m%d-%H%M%S}.{job.file_format}"
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=CONTENT_TYPES[job.file_format],
    )


@require_GET
@staff_view(*EXPORT_PERMS)
def export_columns(request: HttpRequest) -> HttpResponse:
    context = {
        "tables": [
            ("Orders (one row per order)", ORDER_COLUMNS),
            ("Line items (one row per reward)", LINE_COLUMNS),
            ("Recipient tax totals", TAX_COLUMNS),
        ],
        "async_rows": settings.FINANCE_EXPORT_ASYNC_ROWS,
        "ttl_hours": settings.FINANCE_EXPORT_TTL_HOURS,
    }
    return render(request, "finance/export_columns.html", context)
