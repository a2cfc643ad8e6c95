"""Shared fixtures. Tests run on PostgreSQL when DATABASE_URL is set (CI), else SQLite."""

from __future__ import annotations

import os

import pytest

from tango.client import install_client, reset_client
from tango.testing import FakeTango

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (the default LocMemCache lives as long as the process:
    facet counts, exchange rates and banners cached by one test must not answer the next)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def demo_sim(tmp_path, settings):
    """A simulator process (as `make run` starts it) with this process's client pointed at it:
    for the tests that run `seed_demo`."""
    from tango_sim.testing import running_simulator

    with running_simulator(tmp_path) as handle:
        settings.TANGO_BASE_URL = handle.base_url
        reset_client()
        yield handle
    reset_client()


@pytest.fixture
def synced_sim(db, tmp_path, settings):
    """A simulator without its order pacing, this process's client pointed at it (no pacing of
    ours either), and its customers and accounts synced in."""
    from orders.sync import reference
    from tango_sim.testing import running_simulator

    with running_simulator(tmp_path, TANGO_SIM_ORDER_TPS="0") as handle:
        settings.TANGO_BASE_URL = handle.base_url
        settings.TANGO_ORDER_RATE = 0
        reset_client()
        try:
            reference.sync_accounts()
            yield handle
        finally:
            reset_client()


@pytest.fixture
def fake_tango():
    """A fresh FakeTango as this process's Tango client (tango.client's one seam), reset after."""
    from django.core.cache import cache

    from orders.actions.rewards import REASON_CODES_CACHE_KEY
    from tango.client import parse_reason_codes
    from tango.testing.reasons import DEFAULT_REASON_CODES

    # Tango's reason codes as this fake answers them, already read (cached for 6 h, so a test
    # counting Tango calls sees none for them); tests of the read itself delete the key.
    cache.set(REASON_CODES_CACHE_KEY, parse_reason_codes(DEFAULT_REASON_CODES))
    fake = FakeTango()
    install_client(fake)
    yield fake
    reset_client()


# Where `http_tango`'s real client sends its requests (answered by `responses`).
HTTP_TANGO_URL = "http://tango.test/raas/v2"


@pytest.fixture
def http_tango(settings):
    """The real TangoClient installed at HTTP_TANGO_URL, its answers from `responses`; no pacing."""
    import responses

    from tango.client import TangoClient

    settings.TANGO_ORDER_RATE = 0
    install_client(TangoClient(base_url=HTTP_TANGO_URL, platform_name="p", platform_key="k"))
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            yield rsps
    finally:
        reset_client()


@pytest.fixture
def record_tasks(monkeypatch):
    """`record_tasks(callback)`: what core.jobs would hand the broker after commit goes to
    `callback(task_name, kwargs)` instead (no broker involved, never eager)."""
    from core import jobs

    def install(callback):
        monkeypatch.setattr(jobs, "send", callback)

    return install


@pytest.fixture
def sent_tasks(record_tasks) -> list[tuple[str, dict]]:
    """(task name, kwargs) of every task enqueued through core.jobs and committed."""
    sent: list[tuple[str, dict]] = []
    record_tasks(lambda name, kwargs: sent.append((name, kwargs)))
    return sent


@pytest.fixture
def roles(db):
    from core.roles import ensure_roles

    return ensure_roles()


@pytest.fixture
def make_user(db, roles):
    from django.contrib.auth import get_user_model

    def _make(role: str | None, username: str | None = None, **extra):
        user = get_user_model().objects.create_user(
            username=username or f"{(role or 'nobody').lower()}-user",
            password="pw-for-tests-only",
            is_staff=True,
            **extra,
        )
        if role:
            user.groups.add(roles[role])
        return user

    return _make


@pytest.fixture(scope="session", autouse=True)
def _remove_test_broker_folder():
    """The per-process filesystem broker folder (settings.BROKER_DIR) goes away afterwards."""
    yield
    import shutil

    from django.conf import settings

    if settings.TESTING and settings.CELERY_BROKER_URL.startswith("filesystem"):
        shutil.rmtree(settings.BROKER_DIR, ignore_errors=True)
