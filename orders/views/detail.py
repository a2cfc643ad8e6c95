"""The order page: fields, line items, timeline, notes, unmasking and credential reveal.

The swappable region is `order-detail` (orders/order_detail.html): every action answers an
HTMX request with it re-rendered (fresh state, messages, disabled buttons with reasons) and a
plain POST with a redirect back to the page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db.models import Exists
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.access import (
    is_fragment_request,
    perm_blocker,
    staff_view,
    vary_on_htmx,
)
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions.holds import hold_blocker, release_blocker
from orders.actions.notes import add_note, unmask_recipient
from orders.actions.refresh import refresh_blocker
from orders.actions.resend import RESEND_MARKER_STALE
from orders.actions.rewards import LINE_ITEM_ACTIONS, reason_codes, reveal_credential
from orders.forms import HoldForm, NoteForm, ReleaseForm, ResendForm, RevealForm
from orders.models import LineItem, Order
from orders.querysets import resend_throttles
from orders.statuses import (
    ORDER_STATUS_DESCRIPTIONS,
    ORDER_STATUS_NEXT_STEPS,
    OrderStatus,
    PlacementState,
)
from orders.views.line_items import (
    LineForms,
    blank_fields,
    first_blocker,
    line_counts,
    line_page,
    line_rows,
    page_params,
)
from tango.errors import TangoError

TIMELINE_LIMIT = 200
PLACEMENT_EXPLANATIONS = {
    PlacementState.DRAFT: "Not submitted yet.",
    PlacementState.AWAITING_APPROVAL: "Waiting for a second person to approve it.",
    PlacementState.HELD: "On hold here: it will not be sent to Tango until released.",
    PlacementState.QUEUED: "Queued: a worker will place it at Tango shortly.",
    PlacementState.PLACING: "Being placed at Tango right now.",
    PlacementState.PLACEMENT_FAILED: "Tango refused it. Fix the cause, then retry placement.",
    PlacementState.REJECTED: "Rejected by the approver; it will not be placed.",
    PlacementState.WITHDRAWN: "Withdrawn; it will not be placed.",
}


def load_order(pk: int) -> Order:
    # created_by: the page shows who created it (a query of its own otherwise).
    return get_object_or_404(
        Order.objects.select_related("account", "customer", "created_by"), pk=pk
    )


# A next step that is a console action: (its permission, the step for a role holding it, what
# a role without it is told instead), added to
# ORDER_STATUS_NEXT_STEPS by order_next_step().
ORDER_STATUS_ACTION_STEPS: dict[str, tuple[str, str, str]] = {
    OrderStatus.COMPLETE: (
        "orders.resend_reward",
        "Resend a digital reward if needed.",
        "If a digital reward needs resending, Support or a Manager can resend it.",
    ),
}


def order_next_step(status: str, user: Any) -> str:
    """What staff can do next about an order in `status`, worded for a role whose permissions
    `user` has: never a step the role cannot take."""
    step = ORDER_STATUS_NEXT_STEPS.get(status, "")
    if status in ORDER_STATUS_ACTION_STEPS:
        perm, allowed, other = ORDER_STATUS_ACTION_STEPS[status]
        step = f"{step} {allowed if user.has_perm(perm) else other}".strip()
    return step


def detail_context(
    request: HttpRequest,
    order: Order,
    *,
    forms: dict | None = None,
    unmasked: bool = False,
    revealed: dict | None = None,
) -> dict[str, Any]:
    """The page's context: the order, one page of its line items (LINES_PER_PAGE), whole-order
    figures from aggregate queries, the timeline."""
    user, forms = request.user, forms or {}
    line_total, line_statuses = line_counts(order)  # one GROUP BY: the page needs no COUNT
    page = line_page(request, order, total=line_total)
    events = order.events.timeline(TIMELINE_LIMIT)
    codes = {action: reason_codes(action) for action in LINE_ITEM_ACTIONS}  # one read each
    line_forms = LineForms(forms, codes)
    rows = line_rows(user, page.items, line_forms, resend_throttles(events), revealed or {})
    now = timezone.now()
    resendable, in_flight = order_line_flags(order, now - RESEND_MARKER_STALE)
    params = page_params(request)
    return {
        "order": order,
        "rows": rows,
        "page": page,
        "page_params": params,
        "page_query": f"?{params}" if params else "",
        "line_total": line_total,
        "line_statuses": line_statuses,
        "events": events,
        "last_event_id": max((event.pk for event in events), default=0),
        "unmasked": unmasked,
        "revealed_any": bool(revealed),
        "in_flight": in_flight,
        "status_description": ORDER_STATUS_DESCRIPTIONS.get(order.tango_status, ""),
        "status_next_step": order_next_step(order.tango_status, user),
        "placement_explanation": PLACEMENT_EXPLANATIONS.get(order.state, ""),
        "can_unmask": user.has_perm("orders.view_recipient"),
        "note_form": forms.get("note") or NoteForm(),
        "can_note": user.has_perm("orders.add_note"),
        "hold_blocker": first_blocker(hold_blocker(order), perm_blocker(user, "orders.hold_order")),
        "hold_form": forms.get("hold") or HoldForm(),
        "release_blocker": first_blocker(
            release_blocker(order), perm_blocker(user, "orders.release_order")
        ),
        "release_form": forms.get("release") or ReleaseForm(),
        "refresh_blocker": first_blocker(
            refresh_blocker(order), perm_blocker(user, "orders.refresh_order")
        ),
        "order_resend_blocker": first_blocker(
            None if resendable else "No line item can be resent right now.",
            perm_blocker(user, "orders.resend_reward"),
        ),
        "order_resend_form": forms.get("resend-order") or ResendForm(auto_id="id_order_%s"),
        # A blank form's fields are the same on every page: rendered once per process.
        "order_resend_fields": None
        if "resend-order" in forms
        else blank_fields("order-resend", ()),
    }


def order_line_flags(order: Order, stale: datetime) -> tuple[bool, bool]:
    """(can a line be resent now, is a resend in flight), both read in one query."""
    lines = LineItem.objects.filter(order=order)
    flags = Order.objects.filter(pk=order.pk).annotate(
        resendable=Exists(lines.resend_possible(stale)),
        in_flight=Exists(lines.resend_in_flight(stale)),
    )
    resendable, in_flight = flags.values_list("resendable", "in_flight").get()
    return bool(order.reference_order_id) and resendable, in_flight


def render_detail(
    request: HttpRequest, order: Order, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = detail_context(request, order, **extra)
    template = "orders/order_detail.html"
    if is_fragment_request(request):
        # The line pager swaps only the line items; every other swap is the whole region.
        template += "#line-items" if request.htmx.target == "line-items" else "#order-detail"
    return vary_on_htmx(render(request, template, context, status=status))


def finish_action(
    request: HttpRequest,
    order: Order,
    *,
    success: str = "",
    error: str = "",
    forms: dict | None = None,
) -> HttpResponse:
    """POST -> redirect -> GET without JavaScript; the fresh fragment for HTMX.

    An invalid form is shown again with its errors (422: htmx is configured to swap it).
    """
    if success:
        messages.success(request, success)
    if error:
        messages.error(request, error)
    if forms:
        order.refresh_from_db()
        return render_detail(request, order, forms=forms, status=422)
    if is_fragment_request(request):
        order.refresh_from_db()
        return render_detail(request, order)
    # Back to the line page the form was on (its action URL carries the page's cursor).
    params = page_params(request)
    return redirect(reverse("orders:detail", args=[order.pk]) + (f"?{params}" if params else ""))


@require_GET
@staff_view("orders.view_order")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = load_order(pk)
    seen = request.GET.get("watch", "")
    # ASCII digits only: '²'.isdigit() is True, but int('²') fails.
    # The poll swaps #order-detail; the line pager's swaps (#line-items) are never held back.
    polled = is_fragment_request(request) and request.htmx.target != "line-items"
    if polled and seen.isascii() and seen.isdigit():
        # Polled while a resend is in flight: 204 (htmx swaps nothing) until the resend has
        # finished or the timeline has news (e.g. "throttled, retrying at ..."), so an open
        # form is not wiped every two seconds.
        in_flight = order.line_items.resend_in_flight(timezone.now() - RESEND_MARKER_STALE)
        if in_flight.exists() and order.events.latest_pk() <= int(seen):
            return HttpResponse(status=204)
    return render_detail(request, order)


@require_POST
@staff_view("orders.view_order", "orders.add_note")
def order_add_note(request: HttpRequest, pk: int) -> HttpResponse:
    order = load_order(pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return finish_action(request, order, forms={"note": form})
    add_note(order_id=order.pk, actor=Actor.from_request(request), text=form.cleaned_data["text"])
    return finish_action(request, order, success="Note added.")


@require_POST
@never_cache
@staff_view("orders.view_order", "orders.view_recipient")
def order_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """Show recipient contact data unmasked for this one response (audited)."""
    order = load_order(pk)
    unmask_recipient(order_id=order.pk, actor=Actor.from_request(request))
    return render_detail(request, order, unmasked=True)


@require_POST
@never_cache
@staff_view("orders.view_order", "orders.reveal_credential")
def line_item_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Fetch a reward's credential from Tango and show it once; nothing is stored."""
    line_item = get_object_or_404(LineItem.objects.select_related("order"), pk=pk)
    order = load_order(line_item.order_id)
    form = RevealForm(request.POST, auto_id=f"id_li{pk}_%s")
    if not form.is_valid():
        return finish_action(request, order, forms={f"reveal-{pk}": form})
    try:
        reward = reveal_credential(
            line_item_id=pk, actor=Actor.from_request(request), reason=form.cleaned_data["reason"]
        )
    except (ActionNotAllowed, TangoError) as exc:
        return finish_action(request, order, error=str(exc))
    # Rendered, not redirected: the credential exists only in this response (no-store).
    messages.warning(request, "Credential revealed. This access is in the audit log.")
    return render_detail(request, order, revealed={pk: reward})
