"""Period closes: the list, closing a report's period (POST) and a close with its drift."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.access import staff_view
from core.actor import Actor
from core.errors import ActionNotAllowed
from finance.actions.closes import close_period
from finance.closes import drift, snapshot_numbers
from finance.models import PeriodClose
from finance.views.reports import REPORT_PERMS, report_for


@require_GET
@staff_view(*REPORT_PERMS)
def closes(request: HttpRequest) -> HttpResponse:
    context = {"closes": PeriodClose.objects.select_related("closed_by")[:200]}
    return render(request, "finance/closes.html", context)


@require_POST
@staff_view(*REPORT_PERMS, "finance.close_period")
def close(request: HttpRequest) -> HttpResponse:
    query_string = request.POST.get("query_string", "")
    asked = report_for(request, QueryDict(query_string))
    if asked.report is None:
        messages.error(request, asked.error or "This report cannot be closed.")
        return redirect(f"{reverse('finance:reports')}?{query_string}")
    try:
        closed = close_period(
            report=asked.report,
            query_string=query_string,
            note=request.POST.get("note", ""),
            actor=Actor.from_request(request),
        )
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect(f"{reverse('finance:reports')}?{query_string}")
    messages.success(request, f"Closed {closed}.")
    return redirect("finance:close-detail", pk=closed.pk)


@require_GET
@staff_view(*REPORT_PERMS)
def close_detail(request: HttpRequest, pk: int) -> HttpResponse:
    closed = get_object_or_404(PeriodClose.objects.select_related("closed_by"), pk=pk)
    inputs = closed.snapshot.get("inputs", {})
    asked = report_for(request, QueryDict(inputs.get("query", "")))
    now = snapshot_numbers(asked.report) if asked.report is not None else {}
    context = {
        "close": closed,
        "inputs": inputs,
        "snapshot": closed.snapshot,
        "changes": drift(closed.snapshot, now),
        "report_url": f"{reverse('finance:reports')}?{inputs.get('query', '')}",
    }
    return render(request, "finance/close_detail.html", context)
