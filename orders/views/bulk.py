"""Bulk actions from the orders list, and the job page with its live progress bar."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.access import (
    is_fragment_request,
    needed_role_text,
    staff_view,
    vary_on_htmx,
)
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions.bulk_jobs import MAX_BULK_ORDERS, start_bulk_job
from orders.filters import OrderFilter
from orders.forms import BulkForm
from orders.models import BulkJob, Order

ACTION_PERMS = {
    BulkJob.Action.RESEND: "orders.resend_reward",
    BulkJob.Action.RELEASE: "orders.release_order",
}


@require_POST
@staff_view("orders.view_order", "orders.add_bulkjob")
def bulk_start(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    back = f"{reverse('orders:list')}?{request.POST.get('query_string', '')}"
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or "Choose a bulk action.")
        return redirect(back)
    action = form.cleaned_data["action"]
    if not request.user.has_perm(ACTION_PERMS[action]):
        raise PermissionDenied(needed_role_text(ACTION_PERMS[action]))
    if form.cleaned_data["all_matching"]:
        filterset = OrderFilter(
            QueryDict(form.cleaned_data["query_string"]),
            queryset=Order.objects.all(),
            request=request,  # a search token is the user's; email search needs the role
        )
        if not filterset.is_valid():
            # The list leaves an unusable filter value out; a bulk job must not act on the
            # wider set of orders that would give.
            fields = filterset.form.fields
            problems = " ".join(
                f"{fields[name].label if name in fields else 'Filter'}: {' '.join(errors)}"
                for name, errors in filterset.form.errors.items()
            )
            messages.error(request, f"No bulk job was started: the filter is not valid. {problems}")
            return redirect(back)
        matching = filterset.qs
        # One more than allowed, so the action can say "too many" instead of cutting silently.
        ids = matching.newest_ids(MAX_BULK_ORDERS + 1)
    else:
        ids = form.cleaned_data["ids"]
    try:
        job = start_bulk_job(
            action=action,
            order_ids=ids,
            reason=form.cleaned_data["reason"],
            actor=Actor.from_request(request),
        )
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(
        request, f"Bulk job started: {job.get_action_display()} for {job.total} orders."
    )
    return redirect("orders:bulk-job", pk=job.pk)


@require_GET
@staff_view("orders.view_bulkjob")
def bulk_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(BulkJob.objects.select_related("created_by"), pk=pk)
    running = job.status in {BulkJob.Status.QUEUED, BulkJob.Status.RUNNING}
    percent = int(100 * job.done / job.total) if job.total else 100
    failures = [row for row in job.results if not row.get("ok")][:200]
    context = {
        "job": job,
        "running": running,
        "percent": percent,
        "remaining": job.total - job.done,
        "failures": failures,
    }
    template = "orders/bulk_job.html"
    if is_fragment_request(request):
        template += "#bulk-progress"
    return vary_on_htmx(render(request, template, context))
