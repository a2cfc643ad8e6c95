"""The reports page and its charts (GET only; the filter lives in the URL)."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.access import is_fragment_request, staff_view, vary_on_htmx
from finance import charts
from finance.filters import REPORT_FIELDS, ReportFilter, ReportOptionsForm
from finance.reports import REWARD_STATUSES, Report, build_report
from orders.models import Order

REPORT_PERMS = ("orders.view_order", "orders.view_reports")
# An SVG image's own policy: pygal's <style> inside the image, nothing else at all. Browsers
# run no script in an <img>; the page that shows it keeps the strict policy.
SVG_POLICY = {"default-src": [NONE], "style-src": [UNSAFE_INLINE]}


# The page and its charts (each chart is a request of its own for the same report) reuse a
# report computed in the last minute; `?fresh=1` recomputes. Exports and period closes
# always compute their own (report_for without `cached`). An older report is kept a while
# longer, and shown (with its time) only while another request is recomputing it: one
# computation at a time per report, however many web processes share the cache.
REPORT_CACHE_SECONDS = getattr(settings, "FINANCE_REPORT_CACHE_SECONDS", 60)
REPORT_KEEP_SECONDS = 10 * REPORT_CACHE_SECONDS
REPORT_BUSY_SECONDS = 120  # a recomputation that died frees its report after this
REPORT_WAIT_SECONDS = 15  # how long a request waits for another's first computation
FRESH_PARAM = "fresh"


@dataclass
class ReportRequest:
    filterset: ReportFilter
    options: ReportOptionsForm
    report: Report | None
    error: str
    computed_at: datetime | None = None


def report_for(
    request: HttpRequest, data: Any | None = None, *, cached: bool = False
) -> ReportRequest:
    """The report this request asks for (also used by exports and period closes); `cached`:
    one computed for the same parameters in the last REPORT_CACHE_SECONDS will do."""
    data = request.GET if data is None else data
    if not cached:
        return _computed(request, data)
    data = data.copy()
    fresh = data.pop(FRESH_PARAM, None) is not None
    # Per user: a search (or a search token) means what this user may search for.
    pairs = sorted((key, value) for key in data for value in data.getlist(key))
    pairs.append(("user", str(request.user.pk)))
    key = "finance-report:" + hashlib.sha256(urlencode(pairs).encode()).hexdigest()
    hit, token = None if fresh else cache.get(key), None
    if hit is not None:
        young = (timezone.now() - hit[1]).total_seconds() < REPORT_CACHE_SECONDS
        # Older: this request recomputes it, unless another one already is; then the older
        # figures, with their time, do.
        token = None if young else _take(key)
        if young or token is None:
            return _reused(request, data, hit) or _computed(request, data)
    elif not fresh:
        # Nobody has it: one request computes it, the others wait for its figures a while.
        token = _take(key)
        if token is None and (hit := _wait_for(key)) is not None:
            return _reused(request, data, hit) or _computed(request, data)
    try:
        asked = _computed(request, data)
        if asked.report is not None:
            cache.set(key, (asked.report, asked.computed_at), REPORT_KEEP_SECONDS)
    finally:
        if token is not None:
            _release(key, token)
    return asked


def _reused(request: HttpRequest, data: Any, hit: tuple[Report, datetime]) -> ReportRequest | None:
    asked = _forms(request, data)
    if asked.error:
        return None
    asked.report, asked.computed_at = hit
    return asked


def _take(key: str) -> str | None:
    """The right to compute this report (a token), or None while another request has it."""
    token = uuid.uuid4().hex
    return token if cache.add(f"{key}:busy", token, REPORT_BUSY_SECONDS) else None


def _release(key: str, token: str) -> None:
    # Only our own: one that outlived REPORT_BUSY_SECONDS may be another request's by now.
    if cache.get(f"{key}:busy") == token:
        cache.delete(f"{key}:busy")


def _wait_for(key: str) -> tuple[Report, datetime] | None:
    deadline = time.monotonic() + REPORT_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if (hit := cache.get(key)) is not None:
            return hit
        if cache.get(f"{key}:busy") is None:  # it failed or gave up: compute it here
            return None
    return None


def _forms(request: HttpRequest, data: Any) -> ReportRequest:
    """The filter and options forms, validated (no report yet)."""
    filterset = ReportFilter(data, queryset=Order.objects.all(), request=request)
    options = ReportOptionsForm(
        {"rows": data.get("rows") or "account", "period": data.get("period") or "month"}
    )
    if not filterset.is_valid() or not options.is_valid():
        return ReportRequest(filterset, options, None, "Correct the highlighted fields.")
    return ReportRequest(filterset, options, None, "")


def _computed(request: HttpRequest, data: Any) -> ReportRequest:
    asked = _forms(request, data)
    if asked.error:
        return asked
    filterset, options = asked.filterset, asked.options
    start, end = filterset.range
    try:
        report = build_report(
            filterset=filterset,
            rows=options.cleaned_data["rows"],
            period=options.cleaned_data["period"],
            zone=filterset.zone(),
            start=start,
            end=end,
            base_params=filterset.params(),
        )
    except ValueError as exc:
        return ReportRequest(filterset, options, None, str(exc))
    return ReportRequest(filterset, options, report, "", timezone.now())


@require_GET
@staff_view(*REPORT_PERMS)
def report_page(request: HttpRequest) -> HttpResponse:
    asked = report_for(request, cached=True)
    params = request.GET.copy()
    params.pop(FRESH_PARAM, None)
    query = params.urlencode()
    context = {
        "filter": asked.filterset,
        "fields": [asked.filterset.form[name] for name in REPORT_FIELDS],
        "options": asked.options,
        "report": asked.report,
        "error": asked.error,
        "query": query,
        "can_export": request.user.has_perm("orders.export_orders"),
        "can_close": request.user.has_perm("finance.close_period"),
        "statuses": REWARD_STATUSES,
        "formats": ("csv", "xlsx"),
        "async_rows": settings.FINANCE_EXPORT_ASYNC_ROWS,
        "computed_at": asked.computed_at,
        "fresh_query": f"{query}&{FRESH_PARAM}=1" if query else f"{FRESH_PARAM}=1",
    }
    if is_fragment_request(request):
        return vary_on_htmx(render(request, "finance/reports.html#report-body", context))
    return vary_on_htmx(render(request, "finance/reports.html", context))


@require_GET
@staff_view(*REPORT_PERMS)
@csp(SVG_POLICY)
def report_chart(request: HttpRequest, kind: str, currency: str = "") -> HttpResponse:
    asked = report_for(request, cached=True)
    if asked.report is None:
        raise Http404(asked.error)
    if kind == "spend":
        if currency not in asked.report.currencies:
            raise Http404("No spend in this currency.")
        svg = charts.spend_chart(asked.report, currency)
    else:
        svg = charts.status_chart(asked.report)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response
