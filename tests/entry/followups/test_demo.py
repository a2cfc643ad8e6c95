"""entry's demo: failed rewards to re-order, one re-ordered already (seeded once)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from entry.demo import seed_followups_demo
from orders.models import Order

pytestmark = pytest.mark.django_db


def test_the_demo_reorders_one_failed_reward_and_leaves_the_rest(
    make_user, failed_order, partial_order
):
    make_user("Support", username="support")
    Order.objects.filter(pk=failed_order.pk).update(amount="40.17")
    failed_order.line_items.update(amount="40.17")

    report = seed_followups_demo()

    new = Order.objects.get(reorder_of__order=failed_order)
    assert new.line_items.get().amount == Decimal("40.00")  # the simulator's "success" cents
    assert new.created_by.username == "support"
    assert (report.reordered, report.reorderable) == (1, 2)  # the PARTIAL order's two are left
    again = seed_followups_demo()
    assert (again.reordered, again.reorderable) == (0, 2)
    assert Order.objects.filter(reorder_of__isnull=False).count() == 1
