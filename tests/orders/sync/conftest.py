"""Fixtures the sync tests share (a module may define its own of the same name instead)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test.utils import CaptureQueriesContext

from orders.models import Account, OrderEvent
from tests.factories import AccountFactory


@pytest.fixture
def account(db) -> Account:
    return AccountFactory()


@pytest.fixture
def writes() -> Callable[[CaptureQueriesContext], list[str]]:
    """`writes(ctx)`: the INSERT / UPDATE / DELETE statements a CaptureQueriesContext saw."""

    def statements(ctx: CaptureQueriesContext) -> list[str]:
        verbs = ("INSERT", "UPDATE", "DELETE")
        return [
            q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(verbs)
        ]

    return statements


@pytest.fixture
def status_events() -> Callable[[str], list[tuple[str, str]]]:
    """`status_events(ref)`: (old, new) of the order's `status_changed` rows, oldest first."""

    def rows(ref: str) -> list[tuple[str, str]]:
        return list(
            OrderEvent.objects.filter(
                order__reference_order_id=ref, kind=OrderEvent.Kind.STATUS_CHANGED
            )
            .order_by("id")
            .values_list("old_status", "new_status")
        )

    return rows
