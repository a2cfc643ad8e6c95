"""The approval queue: waiting orders oldest first, filters, a selection's spend per account,
and approving or rejecting the selected rows (a confirm step before spending past a balance).

A selected row the person made is refused with 403 before anything is decided (the queue
offers no checkbox for it; a crafted POST gets the maker-checker rule's reason).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from approvals.actions.checker import DECIDE_PERMISSION, MAKER_TEXT, checker_blocker
from approvals.actions.decide import FundsConfirmationNeeded, approve_requests, reject_requests
from approvals.filters import ApprovalFilter
from approvals.funds import selection_spend
from approvals.models import ApprovalRequest
from core.access import is_fragment_request, staff_view, vary_on_htmx
from core.actor import Actor
from core.errors import ActionNotAllowed

QUEUE_PERMS = ("orders.view_order", DECIDE_PERMISSION)
MAX_ROWS = 500


def _selected_ids(data) -> list[int]:
    # isdecimal, not isdigit: '²'.isdigit() is true and int('²') fails.
    return [int(v) for v in data.getlist("ids") if str(v).isdecimal()][:MAX_ROWS]


def _rows(request: HttpRequest, filtered) -> list[dict]:
    now = timezone.now()
    rows = []
    for item in filtered[:MAX_ROWS]:
        rows.append(
            {
                "request": item,
                "blocker": checker_blocker(item, request.user),
                "approvals": [a for a in item.approvals.all() if a.voided_at is None],
                "age": now - item.created_at,
            }
        )
    return rows


def _funds(ids: list[int]) -> list:
    if not ids:
        return []
    return selection_spend(ApprovalRequest.objects.pending().filter(pk__in=ids).for_queue())


@require_GET
@staff_view(*QUEUE_PERMS)
def queue(request: HttpRequest) -> HttpResponse:
    found = ApprovalFilter(
        request.GET, queryset=ApprovalRequest.objects.pending().for_queue().oldest_first()
    )
    selected = _selected_ids(request.GET)
    context = {
        "filter": found,
        "rows": _rows(request, found.qs),
        "selected": selected,
        "spends": _funds(selected),
        "query": request.GET.urlencode(),
    }
    return render(request, "approvals/queue.html", context)


@require_GET
@staff_view(*QUEUE_PERMS)
def funds(request: HttpRequest) -> HttpResponse:
    """The funds panel for the selected rows (HTMX swaps it in as the selection changes)."""
    context = {"spends": _funds(_selected_ids(request.GET)), "selected": _selected_ids(request.GET)}
    if is_fragment_request(request):
        return vary_on_htmx(render(request, "approvals/queue.html#funds-panel", context))
    return redirect(f"{reverse('approvals:queue')}?{request.GET.urlencode()}")


@require_POST
@staff_view(*QUEUE_PERMS)
def decide(request: HttpRequest) -> HttpResponse:
    ids = _selected_ids(request.POST)
    chosen = list(
        ApprovalRequest.objects.filter(pk__in=ids)
        .prefetch_related("makers", "approvals")
        .select_related("order")
    )
    if any(checker_blocker(item, request.user) == MAKER_TEXT for item in chosen):
        raise PermissionDenied(MAKER_TEXT)
    back = reverse("approvals:queue")
    actor = Actor.from_request(request)
    try:
        if request.POST.get("decision") == "reject":
            decisions = reject_requests(
                request_ids=ids, actor=actor, reason=request.POST.get("reason", "")
            )
        else:
            decisions = approve_requests(
                request_ids=ids,
                actor=actor,
                confirm_over_balance=request.POST.get("confirm") == "1",
            )
    except FundsConfirmationNeeded as warning:
        context = {"warning": warning, "ids": ids, "spends": _funds(ids)}
        return render(request, "approvals/confirm_funds.html", context)
    except ActionNotAllowed as refusal:
        messages.error(request, str(refusal))
        return redirect(back)
    for decision in decisions:
        level = messages.ERROR if decision.outcome == "refused" else messages.SUCCESS
        messages.add_message(request, level, f"Order #{decision.order_id}: {decision.message}")
    return redirect(back)
