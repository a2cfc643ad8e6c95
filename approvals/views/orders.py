"""An order's approval from its own page: approve or reject it, edit it while it waits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from approvals.actions.checker import DECIDE_PERMISSION, checker_blocker
from approvals.actions.decide import approve_request, reject_requests
from approvals.actions.edit import edit_blocker, edit_waiting_order
from approvals.forms import EditWaitingOrderForm
from approvals.models import ApprovalRequest
from core.access import staff_view
from core.actor import Actor
from core.errors import ActionNotAllowed, ValidationFailed
from orders.models import Order


@require_POST
@staff_view("orders.view_order", DECIDE_PERMISSION)
def order_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject the order's request. A maker gets 403 (the rule's reason)."""
    approval = (
        ApprovalRequest.objects.filter(order_id=pk)
        .select_related("order")
        .prefetch_related("makers", "approvals")
        .first()
    )
    if approval is None:
        raise Http404("This order was never sent to approval.")
    blocker = checker_blocker(approval, request.user)
    if blocker:
        raise PermissionDenied(blocker)
    actor = Actor.from_request(request)
    try:
        if request.POST.get("decision") == "reject":
            [decision] = reject_requests(
                request_ids=[approval.pk], actor=actor, reason=request.POST.get("reason", "")
            )
            if decision.outcome == "refused":
                raise ActionNotAllowed(decision.message)
        else:
            decision = approve_request(request_id=approval.pk, actor=actor)
    except ActionNotAllowed as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, decision.message)
    return redirect("orders:detail", pk=pk)


@require_http_methods(["GET", "POST"])
@staff_view("orders.view_order", "approvals.edit_waiting_order")
def order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(Order.objects.select_related("account"), pk=pk)
    blocker = edit_blocker(order)
    if blocker:
        messages.error(request, blocker)
        return redirect("orders:detail", pk=pk)
    line = order.line_items.get()
    initial = {
        "amount": order.amount,
        "recipient_first_name": line.recipient_first_name,
        "recipient_last_name": line.recipient_last_name,
        "recipient_email": line.recipient_email,
    }
    form = EditWaitingOrderForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            edit_waiting_order(order_id=pk, actor=Actor.from_request(request), **form.cleaned_data)
        except ValidationFailed as failed:
            for field, errors in failed.problems.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except ActionNotAllowed as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, "Order edited: approvals already given are void, it needs them again."
            )
            return redirect("orders:detail", pk=pk)
    if request.method == "POST":
        status = 422
    return render(
        request, "approvals/edit_order.html", {"order": order, "form": form}, status=status
    )
