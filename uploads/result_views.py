"""An upload's results: the live region of its page (placement progress with an estimated
finish, the rows table with each row's order and reward statuses, filtered and paged, polled
with HTMX while anything may still change) and the results file (CSV, XLSX).

The rows table pages with a keyset on the row number (`after` / `before`), like the orders
list's cursors; the filter (`show`) and the page live in the URL of the upload's page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.access import is_fragment_request, staff_view, vary_on_htmx
from core.actor import Actor
from uploads.actions import results
from uploads.actions.dry_run import KIND_LABELS
from uploads.models import Upload
from uploads.outcomes import (
    FILTERS,
    filter_counts,
    filtered_rows,
    is_live,
    placement_progress,
    row_outcomes,
)

PERM = "uploads.add_upload"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50
# Faster while rows are being placed, slower while they only wait for Tango or an approver.
POLL_PLACING, POLL_SETTLING = "2s", "5s"
SHOWN_FROM = (Upload.Status.CHECKED, Upload.Status.PLACING, Upload.Status.PLACED)


def _number(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 <= number < 10**9 else None


def live_context(request: HttpRequest, upload: Upload) -> dict[str, Any]:
    """What the live region needs; empty while the dry run runs or after it failed."""
    if upload.status not in SHOWN_FROM:
        return {"live_shown": False}
    show = request.GET.get("show", "all")
    show = show if show in FILTERS else "all"
    after, before = _number(request.GET.get("after")), _number(request.GET.get("before"))
    rows = filtered_rows(upload, show).order_by("number")
    if before is not None:
        page = list(rows.filter(number__lt=before).order_by("-number")[: PAGE_SIZE + 1])
        has_prev, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE][::-1]
        has_next = rows.filter(number__gte=before).exists()
    else:
        page = list(rows.filter(number__gt=after or 0)[: PAGE_SIZE + 1])
        has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
        has_prev = after is not None and rows.filter(number__lte=after).exists()
    live = is_live(upload)
    placing = upload.status in (Upload.Status.PLACING, Upload.Status.PLACED)
    counts = filter_counts(upload)
    return {
        "live_shown": True,
        "live": live,
        "poll_every": POLL_PLACING if upload.status == Upload.Status.PLACING else POLL_SETTLING,
        "progress": placement_progress(upload) if placing else None,
        "show": show,
        "filters": [(key, label, counts[key]) for key, label in FILTERS.items()],
        "shown_count": counts[show],
        "outcomes": row_outcomes(upload, page),
        "labels": KIND_LABELS,
        "prev_before": page[0].number if has_prev and page else None,
        "next_after": page[-1].number if has_next and page else None,
        "page_after": after,
        "page_before": before,
    }


@require_GET
@staff_view(PERM)
def live_rows(request: HttpRequest, pk: int) -> HttpResponse:
    """The live region alone (HTMX: polling, the filter, the pager); a plain GET gets the page."""
    upload = get_object_or_404(Upload, pk=pk)
    if not is_fragment_request(request):
        query = request.GET.urlencode()
        return redirect(f"{upload_url(upload)}{'?' + query if query else ''}")
    context = {"upload": upload, **live_context(request, upload)}
    return vary_on_htmx(render(request, "uploads/includes/live.html", context))


def upload_url(upload: Upload) -> str:
    return reverse("uploads:detail", args=[upload.pk])


@require_POST
@staff_view(PERM)
def results_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The results file, as the response to a POST: the download writes an audit row (as the
    finance exports do), and a GET writes nothing."""
    upload = get_object_or_404(Upload, pk=pk)
    file_format = request.POST.get("file_format", "csv")
    if file_format not in results.FORMATS or upload.status not in SHOWN_FROM:
        return HttpResponse("No results file for this upload yet.", status=404)
    unmasked = results.record_results_download(
        upload=upload, actor=Actor.from_request(request), file_format=file_format
    )
    name = f"upload-{upload.pk}-results.{file_format}"
    if file_format == "xlsx":
        response = HttpResponse(results.results_xlsx(upload, unmasked=unmasked), content_type=XLSX)
    else:
        response = StreamingHttpResponse(
            results.results_csv(upload, unmasked=unmasked), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
