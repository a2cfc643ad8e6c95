"""Login throttling on django-axes: two limits, and the client address behind a proxy.

axes counts failed logins per lockout parameter (AXES_LOCKOUT_PARAMETERS) against one limit.
We lock on two with different limits:

- a username from one address after AXES_FAILURE_LIMIT failures (guessing one account's
  password). The same person from another address, and colleagues, can still log in, so
  nobody can lock a colleague out from outside;
- an address after LOGIN_IP_FAILURE_LIMIT failures over any usernames (password spraying).
  Higher, because a whole office may share one address.

A successful login forgives that username's failures from that address only; axes' stock
reset would also wipe the address's count, letting a sprayer with one valid account reset it.
"""

from __future__ import annotations

import math
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottleHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The failures that count, scaled to AXES_FAILURE_LIMIT: the address-only count
        reaches the limit when it reaches LOGIN_IP_FAILURE_LIMIT."""
        user_limit = settings.AXES_FAILURE_LIMIT
        ip_limit = settings.LOGIN_IP_FAILURE_LIMIT
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        attempts = self.get_user_attempts(request, credentials)
        for parameter, queryset in zip(parameters, attempts, strict=True):
            failures = queryset.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if parameter == "ip_address":
                failures = failures * user_limit // ip_limit
            worst = max(worst, failures)
        return worst

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count


def client_ip(request: Any) -> str | None:
    """The address to count failures for: REMOTE_ADDR, or behind DJANGO_TRUSTED_PROXY_COUNT
    proxies that each append to X-Forwarded-For, the address the outermost one saw (entries
    further left are whatever the client sent, and are ignored)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR") or None
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    return hops[-proxies] if len(hops) >= proxies else remote


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The page a locked-out login gets (429): what happened, when to retry, who can unlock."""
    cool_off = get_cool_off(request)
    context = {
        "username": get_client_username(request, credentials) or "",
        "minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else 0,
    }
    return render(request, "registration/locked_out.html", context, status=429)
