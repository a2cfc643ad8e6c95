"""Staff actions on an order or a line item: resend, hold, release, refresh, cancel/freeze.

Each view checks its permission, validates the form, calls one action (orders/actions/, with
the request's Actor) and answers with
orders.views.detail.finish_action (redirect for plain POSTs, the fresh fragment for HTMX).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from core.access import staff_view
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions.holds import hold, release
from orders.actions.refresh import refresh_order
from orders.actions.resend import request_order_resend, request_resend
from orders.actions.rewards import LINE_ITEM_ACTIONS, perform_line_item_action
from orders.forms import HoldForm, LineItemActionForm, ReleaseForm, ResendForm
from orders.models import LineItem
from orders.views.detail import finish_action, load_order
from tango.errors import TangoError

RESEND_QUEUED = (
    "Resend queued for {what} ({where}). The result appears on the timeline in a few seconds."
)


@require_POST
@staff_view("orders.view_order", "orders.resend_reward")
def line_item_resend(request: HttpRequest, pk: int) -> HttpResponse:
    line_item = get_object_or_404(LineItem, pk=pk)
    order = load_order(line_item.order_id)
    form = ResendForm(request.POST, auto_id=f"id_li{pk}_%s")
    if not form.is_valid():
        return finish_action(request, order, forms={f"resend-{pk}": form})
    target = form.target()
    try:
        request_resend(line_item_id=pk, actor=Actor.from_request(request), target=target)
    except ActionNotAllowed as exc:
        return finish_action(request, order, error=str(exc))
    what = f"line {line_item.line_number}"
    return finish_action(
        request, order, success=RESEND_QUEUED.format(what=what, where=target.describe())
    )


@require_POST
@staff_view("orders.view_order", "orders.resend_reward")
def order_resend(request: HttpRequest, pk: int) -> HttpResponse:
    order = load_order(pk)
    form = ResendForm(request.POST, auto_id="id_order_%s")
    if not form.is_valid():
        return finish_action(request, order, forms={"resend-order": form})
    target = form.target()
    try:
        events = request_order_resend(
            order_id=order.pk, actor=Actor.from_request(request), target=target
        )
    except ActionNotAllowed as exc:
        return finish_action(request, order, error=str(exc))
    what = f"{len(events)} reward{'s' if len(events) != 1 else ''}"
    return finish_action(
        request, order, success=RESEND_QUEUED.format(what=what, where=target.describe())
    )


def _noted_order_action(
    request: HttpRequest, pk: int, *, form_class: type, key: str, action: Any, success: str
) -> HttpResponse:
    """Hold and release: a form with a note, one action, the result on the page."""
    order = load_order(pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return finish_action(request, order, forms={key: form})
    try:
        action(order_id=order.pk, actor=Actor.from_request(request), note=form.cleaned_data["note"])
    except ActionNotAllowed as exc:
        return finish_action(request, order, error=str(exc))
    return finish_action(request, order, success=success)


@require_POST
@staff_view("orders.view_order", "orders.hold_order")
def order_hold(request: HttpRequest, pk: int) -> HttpResponse:
    return _noted_order_action(
        request,
        pk,
        form_class=HoldForm,
        key="hold",
        action=hold,
        success="Order put on hold. It will not be placed.",
    )


@require_POST
@staff_view("orders.view_order", "orders.release_order")
def order_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _noted_order_action(
        request,
        pk,
        form_class=ReleaseForm,
        key="release",
        action=release,
        success="Order released: queued for placement.",
    )


@require_POST
@staff_view("orders.view_order", "orders.refresh_order")
def order_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    order = load_order(pk)
    try:
        refresh_order(order_id=order.pk, actor=Actor.from_request(request))
    except (ActionNotAllowed, TangoError) as exc:
        return finish_action(request, order, error=str(exc))
    return finish_action(request, order, success="Refreshed from Tango.")


@require_POST
@staff_view("orders.view_order", "orders.manage_line_item")
def line_item_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in LINE_ITEM_ACTIONS:
        raise Http404
    line_item = get_object_or_404(LineItem, pk=pk)
    order = load_order(line_item.order_id)
    form = LineItemActionForm(request.POST, action=action, auto_id=f"id_li{pk}{action}_%s")
    if not form.is_valid():
        return finish_action(request, order, forms={f"{action}-{pk}": form})
    try:
        perform_line_item_action(
            line_item_id=pk,
            action=action,
            reason_code=form.cleaned_data["reason_code"],
            other_reason=form.cleaned_data["other_reason"],
            actor=Actor.from_request(request),
        )
    except (ActionNotAllowed, TangoError) as exc:
        return finish_action(request, order, error=str(exc))
    past = {"cancel": "cancelled", "freeze": "frozen", "unfreeze": "unfrozen"}[action]
    return finish_action(
        request, order, success=f"Line {line_item.line_number}: Tango accepted it; {past}."
    )
