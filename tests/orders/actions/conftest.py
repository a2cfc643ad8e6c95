"""Fixtures the action tests share (a module may define its own of the same name instead)."""

from __future__ import annotations

import pytest

from tango.testing import FakeTango
from tests.factories import AccountFactory, CatalogItemFactory


@pytest.fixture
def tango(fake_tango: FakeTango, settings) -> FakeTango:
    """The fake Tango, with no pacing (it has its own tests: tests/tango/test_rate_limit.py)."""
    settings.TANGO_ORDER_RATE = 0
    return fake_tango


@pytest.fixture
def enqueued(record_tasks) -> list:
    """Order ids handed to the broker for place_order_task (after commit), in order; any
    other task would show up as (name, kwargs)."""
    calls: list = []
    record_tasks(
        lambda name, kw: calls.append(
            kw["order_id"] if name == "orders.tasks.placement.place_order_task" else (name, kw)
        )
    )
    return calls


@pytest.fixture
def catalog(db):
    return CatalogItemFactory()


@pytest.fixture
def account(db):
    return AccountFactory()


@pytest.fixture
def staff(make_user):
    return make_user("Manager")
