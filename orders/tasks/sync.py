"""Sync tasks (beat-scheduled: CELERY_BEAT_SCHEDULE in settings) and the one-order refresh.

Thin: each calls one sync pass (orders/sync/) and maps Tango being unavailable to a retry with
backoff. The periodic passes are single-flight when Redis is configured: a pass that outlives
its interval is not joined by a second one doing the same reads (harmless, only wasteful).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from celery import shared_task
from celery.app.task import Task
from django.conf import settings
from django.contrib.auth import get_user_model

from core.actor import Actor, ActorPath
from core.errors import ActionNotAllowed
from core.jobs import retry_task
from orders.actions import refresh
from orders.models import FacetCount
from orders.sync import passes, reference
from tango.errors import TangoAuthError, TangoUnavailable

logger = logging.getLogger(__name__)

PERIODIC_RETRIES = 3
LOCK_SECONDS = 15 * 60  # longer than any pass should take; expires if a worker dies


@contextmanager
def single_flight(name: str) -> Iterator[bool]:
    """Yield True if this process holds the lock `name` (always True without Redis)."""
    if not settings.REDIS_URL:
        yield True
        return
    import redis  # only with REDIS_URL: the embedded mode runs without a Redis server

    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"rewards-ops:lock:{name}"
    acquired = bool(client.set(key, "1", nx=True, ex=LOCK_SECONDS))
    try:
        yield acquired
    finally:
        if acquired:
            client.delete(key)


def _run_periodic(task: Task, name: str, service: Callable[[], Any]) -> dict[str, Any]:
    with single_flight(name) as acquired:
        if not acquired:
            logger.info("%s: another pass is running; skipped", name)
            return {"skipped": True}
        try:
            result = service()
        except TangoUnavailable as exc:
            retry_task(task, exc)
        except TangoAuthError:
            logger.error("%s: Tango refused our credentials; fix TANGO_PLATFORM_*", name)
            raise
    summary = result.as_dict() if hasattr(result, "as_dict") else {"count": result}
    logger.info("%s: %s", name, summary)
    return summary


@shared_task(name="orders.tasks.sync.sync_open_orders", bind=True, max_retries=PERIODIC_RETRIES)
def sync_open_orders(self: Task) -> dict[str, Any]:
    return _run_periodic(self, "sync_open_orders", passes.sync_open_orders)


@shared_task(name="orders.tasks.sync.sync_recent_orders", bind=True, max_retries=PERIODIC_RETRIES)
def sync_recent_orders(self: Task, days: int | None = None) -> dict[str, Any]:
    return _run_periodic(self, "sync_recent_orders", lambda: passes.sync_recent_orders(days=days))


@shared_task(name="orders.tasks.sync.sync_line_items", bind=True, max_retries=PERIODIC_RETRIES)
def sync_line_items(self: Task, days: int | None = None) -> dict[str, Any]:
    return _run_periodic(self, "sync_line_items", lambda: passes.sync_recent_line_items(days=days))


@shared_task(name="orders.tasks.sync.sync_accounts", bind=True, max_retries=PERIODIC_RETRIES)
def sync_accounts(self: Task) -> dict[str, Any]:
    return _run_periodic(self, "sync_accounts", reference.sync_accounts)


@shared_task(name="orders.tasks.sync.sync_catalog", bind=True, max_retries=PERIODIC_RETRIES)
def sync_catalog(self: Task, force: bool = False) -> dict[str, Any]:
    return _run_periodic(self, "sync_catalog", lambda: reference.sync_catalog(force=force))


@shared_task(name="orders.tasks.sync.flag_stuck_orders", bind=True)
def flag_stuck_orders(self: Task) -> dict[str, Any]:
    return _run_periodic(self, "flag_stuck_orders", passes.flag_stuck_orders)


@shared_task(name="orders.tasks.sync.refresh_order_task", bind=True, max_retries=PERIODIC_RETRIES)
def refresh_order_task(self: Task, order_id: int, acting_user_id: int | None = None) -> str:
    user = get_user_model().objects.filter(pk=acting_user_id).first() if acting_user_id else None
    try:
        # For the person who asked (audited as theirs), run by the worker.
        order = refresh.refresh_order(
            order_id=order_id, actor=Actor.for_user(user, path=ActorPath.WORKER)
        )
    except TangoUnavailable as exc:
        retry_task(self, exc)
    except ActionNotAllowed as exc:
        logger.info("refresh of order %s skipped: %s", order_id, exc)
        return "not placed"
    return order.tango_status


@shared_task(name="orders.tasks.sync.compact_facet_counts")
def compact_facet_counts() -> dict[str, int]:
    """Fold the facet rollup's delta rows into one per key (orders/models/facets.py)."""
    return {"rows": FacetCount.compact() if FacetCount.available() else 0}
