"""Bulk uploads: the upload page (template downloads, the file form, recent uploads), an
upload's page (dry-run progress polled with HTMX, its summary, rows with problems, confirm),
its error file."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import is_fragment_request, staff_view, vary_on_htmx
from core.actor import Actor
from core.errors import ActionNotAllowed
from uploads.actions import confirm, files
from uploads.actions import upload as upload_actions
from uploads.actions.dry_run import KIND_LABELS
from uploads.columns import COLUMNS, KEYS, MAX_ROWS, normalise_header
from uploads.forms import ConfirmForm, placement_plan
from uploads.models import Upload
from uploads.reading import IGNORE, BadFile, NeedsMapping
from uploads.result_views import live_context

PERM = "uploads.add_upload"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_http_methods(["GET", "POST"])
@staff_view(PERM)
def index(request: HttpRequest) -> HttpResponse:
    error, to_map = "", []
    if request.method == "POST":
        sent = request.FILES.get("file")
        headers = request.POST.getlist("header")
        mapping = dict(zip(headers, request.POST.getlist("column"), strict=False)) or None
        if sent is None:
            error = "Choose a file to upload."
        else:
            try:
                created = upload_actions.create_upload(
                    name=sent.name or "upload",
                    data=sent.read(),
                    actor=Actor.from_request(request),
                    mapping=mapping,
                )
            except NeedsMapping as exc:
                error = str(exc)
                to_map = [(h, mapping_guess(h, mapping)) for h in exc.headers]
            except BadFile as exc:
                error = str(exc)
            else:
                return redirect("uploads:detail", pk=created.pk)
    context = {
        "error": error,
        "to_map": to_map,
        "ignore": IGNORE,
        "columns": COLUMNS,
        "max_rows": MAX_ROWS,
        "max_mb": settings.UPLOAD_MAX_BYTES // 1_048_576,
        "uploads": Upload.objects.select_related("created_by")[:20],
    }
    return render(request, "uploads/index.html", context, status=400 if error else 200)


def mapping_guess(header: str, mapping: dict[str, str] | None) -> str:
    """What the select starts on: the person's last choice, else the header if it is one."""
    if mapping and header in mapping:
        return mapping[header]
    key = normalise_header(header)
    return key if key in KEYS else ""


@require_GET
@staff_view(PERM)
def template(request: HttpRequest, file_format: str) -> HttpResponse:
    if file_format == "xlsx":
        response = HttpResponse(files.template_xlsx(), content_type=XLSX)
    else:
        response = HttpResponse(files.template_csv(), content_type="text/csv; charset=utf-8")
        file_format = "csv"
    response["Content-Disposition"] = f'attachment; filename="bulk-orders-template.{file_format}"'
    return response


@require_GET
@staff_view(PERM)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload.objects.select_related("created_by", "confirmed_by"), pk=pk)
    # The dry run's progress polls here; placement and the rows' statuses poll the live region
    # (uploads.result_views).
    running = upload.status == Upload.Status.CHECKING
    rows = upload.rows.order_by("number")
    context = {
        "upload": upload,
        "running": running,
        "confirm_form": ConfirmForm(upload=upload) if not running else None,
        "plan": placement_plan(upload) if _can_place(upload) else [],
        "approval_rows": [] if running else rows.filter(valid=True).exclude(approval="")[:20],
        "labels": KIND_LABELS,
    }
    if is_fragment_request(request):
        response = render(request, "uploads/detail.html#upload-progress", context)
        if not running:
            response["HX-Refresh"] = "true"  # finished: reload once to show the summary
        return vary_on_htmx(response)
    context.update(live_context(request, upload))
    return vary_on_htmx(render(request, "uploads/detail.html", context))


@require_GET
@staff_view(PERM, "orders.view_recipient")
def error_file(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload, pk=pk)
    response = HttpResponse(files.error_file_csv(upload), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="upload-{upload.pk}-problems.csv"'
    return response


def _can_place(upload: Upload) -> bool:
    placeable = upload.status in (Upload.Status.CHECKED, Upload.Status.PLACED)
    return placeable and upload.rows.filter(valid=True, order__isnull=True).exists()


@require_POST
@staff_view(PERM)
def confirm_upload(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload, pk=pk)
    form = ConfirmForm(request.POST, upload=upload)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect("uploads:detail", pk=upload.pk)
    selection = form.selection()
    try:
        placing = confirm.confirm_upload(
            upload_id=upload.pk, actor=Actor.from_request(request), selection=selection
        )
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    else:
        chosen = placing.summary.get("selected", 0)
        messages.success(
            request, f"Placing {chosen:,} row(s) ({selection.describe()}): progress below."
        )
    return redirect("uploads:detail", pk=upload.pk)
