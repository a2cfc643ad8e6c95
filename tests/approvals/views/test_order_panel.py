"""The approval panel on the order page, and deciding from it: no control for a role that may
not decide nor for the order's maker, 403 on their CSRF-valid direct POST."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from approvals.actions.submit import submit_orders
from core.actor import Actor
from orders.statuses import PlacementState as _P

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(policy, draft, people):
    def make(maker, amount="600.00"):
        order = draft(maker, amount)
        submit_orders([order], actor=Actor.for_user(maker))
        return order

    return make


def csrf_client(user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(reverse("orders:list"))
    return client, page.cookies["csrftoken"].value


def test_a_manager_sees_the_rule_and_the_controls(client, waiting, people):
    order = waiting(people["support"])
    client.force_login(people["manager"])
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "amount 600.00 USD is above the 500.00 USD per-order limit" in page
    assert 'value="approve">Approve</button>' in page
    assert "Reject…" in page


@pytest.mark.parametrize("role", ["support", "finance"])
def test_a_role_that_may_not_decide_sees_the_rule_but_no_control(client, waiting, people, role):
    order = waiting(people["admin"])
    client.force_login(people[role])
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "per-order limit" in page
    assert 'value="approve"' not in page and "Reject…" not in page


@pytest.mark.parametrize("role", ["manager", "admin", "superuser"])
def test_the_maker_sees_why_and_no_control(client, waiting, people, role):
    order = waiting(people[role])
    client.force_login(people[role])
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'value="approve"' not in page and "Reject…" not in page
    assert "You created this order" in page


@pytest.mark.parametrize(
    ("maker", "poster"),
    [("manager", "manager"), ("admin", "admin"), ("superuser", "superuser"), ("admin", "support")],
)
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_csrf_valid_direct_post_is_403(waiting, people, maker, poster, decision):
    order = waiting(people[maker])
    client, token = csrf_client(people[poster])
    response = client.post(
        reverse("approvals:order-decide", args=[order.pk]),
        {"decision": decision, "reason": "mine"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.state == _P.AWAITING_APPROVAL


def test_someone_else_approves_from_the_order_page(waiting, people, sent_tasks):
    order = waiting(people["support"])
    client, token = csrf_client(people["manager"])
    response = client.post(
        reverse("approvals:order-decide", args=[order.pk]),
        {"decision": "approve"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == _P.QUEUED
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Approved by manager-user; queued for placement" in page


def test_rejecting_from_the_order_page_without_a_reason_changes_nothing(client, waiting, people):
    order = waiting(people["support"])
    client.force_login(people["manager"])
    response = client.post(
        reverse("approvals:order-decide", args=[order.pk]), {"decision": "reject"}, follow=True
    )
    assert "Give a reason for the rejection." in response.content.decode()
    order.refresh_from_db()
    assert order.state == _P.AWAITING_APPROVAL


def test_the_nav_badge_counts_what_this_person_may_decide(client, waiting, people):
    waiting(people["manager"])
    waiting(people["support"])
    waiting(people["support"])
    client.force_login(people["manager"])
    page = client.get(reverse("orders:list")).content.decode()
    assert 'title="Waiting for a decision you may take">2<' in page
    client.force_login(people["support"])
    assert "nav-badge" not in client.get(reverse("orders:list")).content.decode()
