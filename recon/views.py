"""The reconciliation pages: the queue of open mismatches, the runs, the run button, resolving.

Finance (and Admin) only (core/roles.py RECON). Views call the actions; the run itself is a
Celery task enqueued by the action, by name.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.access import perm_blocker, staff_view
from core.actor import Actor
from core.errors import ActionNotAllowed
from recon.actions import resolve as resolving
from recon.actions.run import start_run
from recon.forms import ResolveForm, RunForm
from recon.models import Mismatch, ReconRun
from tango.errors import TangoError

VIEW = ("recon.view_mismatch", "recon.view_reconrun")
QUEUE_LIMIT = 200
# Kinds whose values are statuses (shown as status badges; amounts and masked contact data not).
STATUSY = {
    Mismatch.Kind.ORDER_STATUS,
    Mismatch.Kind.LINE_ITEM_STATUS,
    Mismatch.Kind.MISSING_HERE,
    Mismatch.Kind.MISSING_AT_TANGO,
}


@require_GET
@staff_view(*VIEW)
def queue(request: HttpRequest) -> HttpResponse:
    open_rows = Mismatch.objects.filter(resolution=Mismatch.Resolution.OPEN)
    kinds = dict(open_rows.order_by().values_list("kind").annotate(n=Count("pk")))
    kind = request.GET.get("kind", "")
    shown = open_rows.filter(kind=kind) if kind in Mismatch.Kind.values else open_rows
    rows = list(shown.select_related("order", "last_run")[:QUEUE_LIMIT])
    resolved = Mismatch.objects.exclude(resolution=Mismatch.Resolution.OPEN).select_related(
        "resolved_by"
    )
    context = {
        "rows": [
            {"m": m, "adopt_blocker": resolving.adopt_blocker(m), "is_status": m.kind in STATUSY}
            for m in rows
        ],
        "total": sum(kinds.values()),
        "kinds": [
            {"value": value, "label": label, "count": kinds.get(value, 0)}
            for value, label in Mismatch.Kind.choices
        ],
        "kind": kind,
        "limit": QUEUE_LIMIT,
        "latest": ReconRun.objects.first(),
        "recent": list(resolved.order_by("-resolved_at")[:10]),
        "run_form": RunForm.default(),
        "run_blocker": perm_blocker(request.user, "recon.run_reconciliation"),
        "resolve_blocker": perm_blocker(request.user, "recon.resolve_mismatch"),
    }
    return render(request, "recon/queue.html", context)


@require_GET
@staff_view(*VIEW)
def runs(request: HttpRequest) -> HttpResponse:
    context = {
        "runs": ReconRun.objects.select_related("started_by")[:100],
        "run_form": RunForm.default(),
        "run_blocker": perm_blocker(request.user, "recon.run_reconciliation"),
    }
    return render(request, "recon/runs.html", context)


@require_POST
@staff_view(*VIEW, "recon.run_reconciliation")
def start(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the dates to reconcile.")
        return redirect("recon:runs")
    begin, end = form.range()
    try:
        run = start_run(start=begin, end=end, actor=Actor.from_request(request))
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("recon:runs")
    messages.success(request, f"{run} queued; the list below shows when it is done.")
    return redirect("recon:runs")


@require_POST
@staff_view(*VIEW, "recon.resolve_mismatch")
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    mismatch = get_object_or_404(Mismatch, pk=pk)
    form = ResolveForm(request.POST)
    kind = request.POST.get("kind", "")
    back = redirect(
        f"{reverse('recon:queue')}?kind={kind}" if kind in Mismatch.Kind.values else "recon:queue"
    )
    if not form.is_valid():
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
        return back
    actor, action = Actor.from_request(request), form.cleaned_data["action"]
    try:
        if action == "explain":
            resolving.explain(mismatch_id=mismatch.pk, note=form.cleaned_data["note"], actor=actor)
            messages.success(request, f"{mismatch}: marked explained.")
        elif action == "adopt":
            resolving.adopt(mismatch_id=mismatch.pk, actor=actor)
            messages.success(request, f"{mismatch}: Tango's value adopted.")
        else:
            _, done = resolving.resync(mismatch_id=mismatch.pk, actor=actor)
            if done:
                messages.success(request, f"{mismatch}: re-synced, it matches Tango now.")
            else:
                messages.warning(
                    request,
                    f"{mismatch}: re-synced, still different (the sync never moves a status "
                    "back). Adopt Tango's value or explain it.",
                )
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
    except TangoError as exc:
        messages.error(request, f"Tango could not be reached: {exc}")
    return back
