"""The console banner when sync is stale (cached briefly: every page would ask otherwise)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from health.status import banner_problems

CACHE_KEY = "health:sync-banner"
CACHE_SECONDS = 60


def cached_problems() -> list[str]:
    problems = cache.get(CACHE_KEY)
    if problems is None:
        problems = banner_problems()
        cache.set(CACHE_KEY, problems, CACHE_SECONDS)
    return problems


def sync_banner(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "sync_problems": SimpleLazyObject(
            lambda: cached_problems() if user.is_authenticated and user.is_staff else []
        )
    }
