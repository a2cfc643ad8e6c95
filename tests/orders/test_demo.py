"""`seed_demo` fills the console through the real client and sync code."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from orders.models import LineItem, Order

pytestmark = pytest.mark.integration


@pytest.fixture
def sim(demo_sim):
    return demo_sim


@pytest.mark.django_db(transaction=True)
def test_seed_demo_creates_role_logins_and_orders_in_many_statuses(sim, capsys, caplog):
    with caplog.at_level("INFO"):
        call_command("seed_demo", "--orders", "120")
    # The simulator's refusals are part of the demo, and the log says so before they come
    # (issue 8, item 17): a newcomer should not read them as errors.
    refused = [r for r in caplog.records if r.name == "tango.client" and " -> 4" in r.message]
    notes = [r for r in caplog.records if r.name == "orders.demo" and "on purpose" in r.message]
    assert refused and notes
    assert notes[0].created <= refused[0].created
    assert any("402" in r.message and "on purpose" in r.message for r in notes)

    users = get_user_model().objects.filter(username__in=["support", "finance", "manager", "admin"])
    assert {u.username: u.groups.get().name for u in users} == {
        "support": "Support",
        "finance": "Finance",
        "manager": "Manager",
        "admin": "Admin",
    }
    statuses = set(Order.objects.exclude(tango_status="").values_list("tango_status", flat=True))
    assert len(statuses) >= 9, statuses
    assert {"COMPLETE", "PENDING", "FAILED", "PARTIAL", "ON_HOLD"} <= statuses
    line_statuses = set(LineItem.objects.values_list("status", flat=True))
    assert {"COMPLETE", "PENDING", "FAILED", "RETURNED"} <= line_statuses
    # The orders really exist at the simulator: it counted them.
    assert sim.stats()["orders_total"] >= Order.objects.exclude(reference_order_id=None).count()
    assert "seeded" in capsys.readouterr().out
    # The finance reports have months to compare, fees, PO numbers and two currencies.
    placed = Order.objects.placed()
    months = {o.ordered_at.strftime("%Y-%m") for o in placed.only("tango_created_at", "created_at")}
    assert len(months) >= 3, months
    assert placed.exclude(purchase_order_number="").exists()
    assert placed.filter(amount_charged_fee__gt=0).exists()
    assert set(placed.values_list("account__currency", flat=True)) >= {"USD", "EUR"}

    # A second run keeps the data (idempotent) and says so.
    before = Order.objects.count()
    call_command("seed_demo")
    assert Order.objects.count() == before
    assert "already present" in capsys.readouterr().out
