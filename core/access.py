"""Access control and request plumbing shared by the console's views.

Every view states its permission here, in the view (a fragment rendered on its own skips any
template guard). Anonymous users go to the login page (HTMX requests are told to redirect the
whole page); users who are not active staff, or lack the permission, get the 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from core.roles import ROLE_PERMISSIONS

View = Callable[..., HttpResponse]
NOT_STAFF_TEXT = "The console is for active staff accounts only."


def staff_view(*perms: str) -> Callable[[View], View]:
    """Require a logged-in, active staff user holding all of `perms`."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if getattr(request, "htmx", False):
                    # Back to the page the user was on, not to the fragment URL.
                    page = request.htmx.current_url_abs_path or request.get_full_path()
                    login = resolve_url(settings.LOGIN_URL)
                    return HttpResponseClientRedirect(f"{login}?{urlencode({'next': page})}")
                return redirect_to_login(request.get_full_path())
            if not (request.user.is_active and request.user.is_staff):
                # A role group alone is not enough: the console is for staff accounts, so
                # clearing is_staff locks a person out whatever groups they are still in.
                raise PermissionDenied(NOT_STAFF_TEXT)
            if not request.user.has_perms(perms):
                raise PermissionDenied(needed_role_text(*perms))
            return view(request, *args, **kwargs)

        wrapper.required_perms = perms  # type: ignore[attr-defined]  # read by the sweep test
        return wrapper

    return decorator


def needed_role_text(*perms: str) -> str:
    """'Needs the Manager role' — the smallest role that holds all of `perms`."""
    for role in ("Support", "Finance", "Manager", "Admin"):
        if set(perms) <= set(ROLE_PERMISSIONS[role]):
            return f"Needs the {role} role."
    return "Your role does not allow this."


def perm_blocker(user: Any, perm: str) -> str | None:
    """Why this user may not do it (None if allowed): used to disable buttons with a reason."""
    return None if user.has_perm(perm) else needed_role_text(perm)


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites
    # it, and the audit log must not record an address the user chose.
    return request.META.get("REMOTE_ADDR") or None


def is_fragment_request(request: HttpRequest) -> bool:
    """HTMX swaps get a fragment; a history restore (back button, cache miss) needs the page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    # The same URL answers a fragment or a page: browsers and caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response
