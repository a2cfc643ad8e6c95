"""Re-order failed rewards and reissue Choice-product line items (routes joined in urls.py).

Both are a page with a form (GET), posted back (POST -> redirect to the order page with the
outcome in a message; an invalid form is shown again with every problem on its field, 422).
The order page links to them (entry/templatetags/entry_followups.py), only where they apply.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from core.access import staff_view
from core.actor import Actor
from core.errors import ActionNotAllowed, ValidationFailed
from entry.actions.reissue import reissue_blocker, reissue_line_item
from entry.actions.reorder import reorder_blocker, reorder_failed
from entry.followup_forms import ReissueForm, ReorderLineForm
from orders.models import LineItem, Order
from orders.statuses import LineItemStatus
from tango.errors import TangoError

REORDER_PERMS = ("orders.view_order", "orders.reorder_reward")
REISSUE_PERMS = ("orders.view_order", "orders.reissue_reward")


@require_http_methods(["GET", "POST"])
@staff_view(*REORDER_PERMS)
def reorder(request: HttpRequest, pk: int) -> HttpResponse:
    """The FAILED lines of a FAILED / PARTIAL order, each editable, re-ordered in one POST."""
    order = get_object_or_404(Order.objects.select_related("account", "customer"), pk=pk)
    failed = order.line_items.select_related("order").filter(status=LineItemStatus.FAILED)
    data = request.POST if request.method == "POST" else None
    rows = []
    for line_item in failed:
        blocker = reorder_blocker(line_item)
        form = None if blocker else ReorderLineForm(data, line_item=line_item)
        rows.append({"li": line_item, "blocker": blocker, "form": form})
    forms = [row["form"] for row in rows if row["form"] is not None]
    context = {"order": order, "rows": rows, "open": bool(forms)}
    if request.method == "GET":
        context["nothing"] = None if forms else (reorder_blocker_for_order(order, rows))
        return render(request, "entry/reorder.html", context)
    if not forms:
        messages.error(request, reorder_blocker_for_order(order, rows))
        return redirect("orders:detail", pk=order.pk)
    if not all(form.is_valid() for form in forms):
        return render(request, "entry/reorder.html", context, status=422)
    chosen = [form.reorder_line() for form in forms if form.cleaned_data["include"]]
    try:
        result = reorder_failed(order_id=order.pk, lines=chosen, actor=Actor.from_request(request))
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("orders:detail", pk=order.pk)
    except ValidationFailed as exc:
        for form in forms:
            form.add_problems(exc.problems, prefix=f"lines[{form.line_item.pk}].")
        return render(request, "entry/reorder.html", context, status=422)
    messages.success(request, result.message)
    return redirect("orders:detail", pk=order.pk)


def reorder_blocker_for_order(order: Order, rows: list[dict]) -> str:
    """Why nothing on this order can be re-ordered."""
    reasons = [row["blocker"] for row in rows if row["blocker"]]
    if reasons:
        return " ".join(reasons)
    return f"Order {order.pk} has no FAILED reward to re-order."


@require_http_methods(["GET", "POST"])
@staff_view(*REISSUE_PERMS)
def reissue(request: HttpRequest, pk: int) -> HttpResponse:
    """Reissue one Choice-product reward: Tango cancels it and creates a new order."""
    line_item = get_object_or_404(
        LineItem.objects.select_related("order", "order__account", "catalog_item"), pk=pk
    )
    blocker = reissue_blocker(line_item)
    form = ReissueForm(request.POST or None, line_item=line_item)
    context = {"li": line_item, "order": line_item.order, "blocker": blocker, "form": form}
    if request.method == "GET":
        return render(request, "entry/reissue.html", context)
    if blocker:
        messages.error(request, blocker)
        return redirect("orders:detail", pk=line_item.order_id)
    if not form.is_valid():
        return render(request, "entry/reissue.html", context, status=422)
    data = form.cleaned_data
    try:
        result = reissue_line_item(
            line_item_id=line_item.pk,
            actor=Actor.from_request(request),
            reason_code=data["reason_code"],
            other_reason=data["other_reason"],
            amount=data["amount"],
            delivery_method=data["delivery_method"],
            **{key: value for key, value in form.cleaned_data.items() if key.startswith("recip")},
        )
    except ValidationFailed as exc:
        form.add_problems(exc.problems)
        return render(request, "entry/reissue.html", context, status=422)
    except (ActionNotAllowed, TangoError) as exc:
        messages.error(request, str(exc))
        return redirect("orders:detail", pk=line_item.order_id)
    messages.success(request, result.message)
    return redirect("orders:detail", pk=result.order_id or line_item.order_id)


urlpatterns: list[URLPattern] = [
    path("<int:pk>/reorder/", reorder, name="reorder"),
    path("line-items/<int:pk>/reissue/", reissue, name="reissue"),
]
