"""The audit log page: every staff action, filterable, for managers and admins."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.filters import AuditFilter
from audit.models import AuditEntry
from core.access import is_fragment_request, staff_view, vary_on_htmx
from core.paging import keyset_page

PER_PAGE = 50


@require_GET
@staff_view("audit.view_auditentry")
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = AuditFilter(
        request.GET or None, queryset=AuditEntry.objects.select_related("actor"), request=request
    )
    try:
        start = max(1, int(request.GET.get("start", 1)))
    except ValueError:
        start = 1
    page = keyset_page(
        filterset.qs,
        field="at",
        descending=True,
        per_page=PER_PAGE,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        start=start,
    )
    context = {"filter": filterset, "page": page}
    template = "audit/audit_log.html"
    if is_fragment_request(request):
        template += "#audit-table"
    return vary_on_htmx(render(request, template, context))
