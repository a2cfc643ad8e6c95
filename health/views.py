"""The sync health page and its actions (replay a failed event, renew, fill gaps now)."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.access import perm_blocker, staff_view
from core.actor import Actor
from core.errors import ActionNotAllowed
from health.actions.gaps import fill_gaps
from health.actions.replay import replay_event
from health.actions.subscription import check_subscription, renew_subscription
from health.context_processors import CACHE_KEY
from health.status import page_context, subscription
from orders.models import WebhookEvent
from tango.errors import TangoError

VIEW = "health.view_synchealth"
REPLAY = "health.replay_webhook"
RENEW = "health.renew_subscription"


@require_GET
@staff_view(VIEW)
def sync_health(request: HttpRequest) -> HttpResponse:
    context = page_context()
    context["replay_blocker"] = perm_blocker(request.user, REPLAY)
    context["renew_blocker"] = perm_blocker(request.user, RENEW)
    return render(request, "health/sync_health.html", context)


@require_POST
@staff_view(VIEW, REPLAY)
def replay(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(WebhookEvent, pk=pk)
    try:
        outcome = replay_event(event=event, actor=Actor.from_request(request))
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("health:page")
    if outcome.startswith("failed again"):
        messages.error(request, f"{event.event_type} event {event.event_id}: {outcome}")
    else:
        messages.success(request, f"{event.event_type} event {event.event_id} applied: {outcome}.")
    return redirect("health:page")


@require_POST
@staff_view(VIEW, RENEW)
def renew(request: HttpRequest) -> HttpResponse:
    try:
        current = subscription() or check_subscription()
        if current is None:
            messages.error(request, "No webhook subscription at Tango for our URL.")
            return redirect("health:page")
        renewed = renew_subscription(subscription=current, actor=Actor.from_request(request))
    except TangoError as exc:
        messages.error(request, f"Tango did not renew the subscription: {exc}")
        return redirect("health:page")
    cache.delete(CACHE_KEY)
    messages.success(request, f"Subscription renewed until {renewed.expires_at:%Y-%m-%d %H:%M}.")
    return redirect("health:page")


@require_POST
@staff_view(VIEW, REPLAY)
def fill(request: HttpRequest) -> HttpResponse:
    try:
        current = check_subscription()
        report = fill_gaps(webhook_id=current.webhook_id if current else None)
    except TangoError as exc:
        messages.error(request, f"Tango could not be asked: {exc}")
        return redirect("health:page")
    if report.errors:
        messages.error(request, "; ".join(report.errors))
    else:
        messages.success(
            request,
            f"{len(report.missing)} gap(s) open, {len(report.replayed)} replay(s) asked, "
            f"{report.filled} filled.",
        )
    return redirect("health:page")
