"""The approval queue page: oldest first, filters, the funds panel, bulk decisions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from approvals.actions.submit import submit_orders
from approvals.models import ApprovalRequest
from core.actor import Actor
from orders.statuses import PlacementState as _P

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(policy, draft, people):
    orders = [draft(people["support"], amount) for amount in ("600.00", "700.00", "800.00")]
    submit_orders(orders, actor=Actor.for_user(people["support"]), batch_label="March")
    return list(ApprovalRequest.objects.order_by("pk"))


def test_the_queue_lists_oldest_first_with_rule_creator_and_expiry(client, batch, people):
    client.force_login(people["manager"])
    page = client.get(reverse("approvals:queue")).content.decode()
    positions = [page.index(f'data-request="{r.pk}"') for r in batch]
    assert positions == sorted(positions)
    assert "amount 700.00 USD is above the 500.00 USD per-order limit" in page
    assert "support-user" in page and "March" in page and "in 2" in page  # expires in 2 days


def test_filters(client, batch, people, draft):
    other = draft(people["admin"], "900.00")
    submit_orders([other], actor=Actor.for_user(people["admin"]))
    client.force_login(people["manager"])
    url = reverse("approvals:queue")

    def shown(**params):
        page = client.get(url, params).content.decode()
        return {r.pk for r in ApprovalRequest.objects.all() if f'data-request="{r.pk}"' in page}

    everyone = {r.pk for r in ApprovalRequest.objects.all()}
    assert shown() == everyone
    assert shown(creator="admin-user") == {other.approval_request.pk}
    assert shown(batch="March") == {r.pk for r in batch}
    assert shown(rule="batch") == {r.pk for r in batch}
    assert shown(amount_min="750", amount_max="850") == {batch[2].pk}
    assert shown(currency="EUR") == set()
    assert shown(account="acme-usd-01") == everyone


def test_own_rows_have_no_checkbox(client, policy, draft, people):
    order = draft(people["manager"], "600.00")
    submit_orders([order], actor=Actor.for_user(people["manager"]))
    client.force_login(people["manager"])
    page = client.get(reverse("approvals:queue")).content.decode()
    assert 'name="ids"' not in page and "Yours" in page


def test_the_funds_panel_shows_the_selection_against_the_balance(client, batch, people, account):
    account.current_balance = Decimal("1000.00")
    account.save()
    client.force_login(people["manager"])
    fragment = client.get(
        reverse("approvals:funds"),
        {"ids": [batch[0].pk, batch[1].pk]},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert fragment.lstrip().startswith('<section id="funds-panel"')
    assert "1,300.00 USD" in fragment
    assert "more than its balance of 1,000.00 USD" in fragment


def test_approving_past_the_balance_asks_first_then_approves_only_the_selection(
    client, batch, people, account
):
    account.current_balance = Decimal("1000.00")
    account.save()
    client.force_login(people["manager"])
    chosen = [batch[0].pk, batch[2].pk]
    asked = client.post(reverse("approvals:decide"), {"ids": chosen, "decision": "approve"})
    assert asked.status_code == 200
    assert "Approve anyway" in asked.content.decode()
    assert ApprovalRequest.objects.filter(status="pending").count() == 3
    done = client.post(
        reverse("approvals:decide"), {"ids": chosen, "decision": "approve", "confirm": "1"}
    )
    assert done.status_code == 302
    states = {r.pk: r.order.state for r in ApprovalRequest.objects.select_related("order")}
    assert states == {
        batch[0].pk: _P.QUEUED,
        batch[1].pk: _P.AWAITING_APPROVAL,
        batch[2].pk: _P.QUEUED,
    }


def test_a_selection_holding_your_own_order_is_403(client, policy, draft, people):
    mine = draft(people["manager"], "600.00")
    submit_orders([mine], actor=Actor.for_user(people["manager"]))
    client.force_login(people["manager"])
    response = client.post(
        reverse("approvals:decide"), {"ids": [mine.approval_request.pk], "decision": "approve"}
    )
    assert response.status_code == 403


def test_bulk_reject_needs_a_reason(client, batch, people):
    client.force_login(people["manager"])
    url = reverse("approvals:decide")
    page = client.post(url, {"ids": [batch[0].pk], "decision": "reject"}, follow=True)
    assert "Give a reason for the rejection." in page.content.decode()
    client.post(url, {"ids": [batch[0].pk], "decision": "reject", "reason": "duplicate"})
    assert ApprovalRequest.objects.get(pk=batch[0].pk).status == "rejected"


@pytest.mark.parametrize("bogus", ["²", "١٢", "99999999999999999999999", "-1", "x"])
def test_ids_that_are_not_ids_are_ignored_not_a_500(client, batch, people, bogus):
    """'²'.isdigit() is true but int('²') fails (found by tests/security/test_fuzz_requests.py)."""
    client.force_login(people["manager"])
    client.raise_request_exception = False
    for url in (reverse("approvals:queue"), reverse("approvals:funds")):
        assert client.get(url, {"ids": [bogus]}).status_code < 500
    response = client.post(reverse("approvals:decide"), {"ids": [bogus], "decision": "approve"})
    assert response.status_code == 302
    assert ApprovalRequest.objects.filter(status="approved").count() == 0
