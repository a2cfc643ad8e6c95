"""Staff sessions end: SESSION_COOKIE_AGE after log-in at the latest (a working day), and after
SESSION_IDLE_TIMEOUT seconds without a request.

Django's session expiry alone cannot do both: its expiry date moves every time the session is
saved. So the log-in time and the last request's time live in the session (stamped on
`user_logged_in`), and this middleware logs the user out when either limit has passed; the
view then sends them to the log-in page (HTMX requests get HX-Redirect), where a message
says why. "Last request" is refreshed at most once a minute, so a page does not write its
session on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

STARTED = "rewards_ops.session_started"
SEEN = "rewards_ops.session_seen"
TOUCH_EVERY = 60  # seconds; the idle limit is this much less precise


def now() -> float:
    return time.time()


def stamp_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver (connected in rewards_admin.apps)."""
    if request is not None and hasattr(request, "session"):
        request.session[STARTED] = request.session[SEEN] = now()


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class SessionExpiryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session, t = request.session, now()
        started, seen = session.get(STARTED), session.get(SEEN)
        if started is None or seen is None:
            # A session from before this middleware: its limits start now.
            session[STARTED] = session[SEEN] = t
            return
        max_age, idle = settings.SESSION_COOKIE_AGE, settings.SESSION_IDLE_TIMEOUT
        if t - started > max_age:
            reason = f"Your session reached its {_minutes(max_age)} limit: please log in again."
        elif idle and t - seen > idle:
            reason = f"You were logged out after {_minutes(idle)} without activity."
        else:
            if t - seen >= TOUCH_EVERY:
                session[SEEN] = t
            return
        logout(request)
        messages.info(request, reason)
