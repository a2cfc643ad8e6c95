"""The policy page (admins save versions; managers read) and editing a waiting order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.actions.decide import approve_request
from approvals.actions.submit import submit_orders
from approvals.models import ApprovalPolicy, ApprovalRequest
from audit.models import AuditAction, AuditEntry
from core.actor import Actor

pytestmark = pytest.mark.django_db
POLICY = {
    "per_order_limits": "USD 500, EUR 400",
    "dual_approval_limits": "USD 5000",
    "daily_creator_limits": "",
    "batch_limits": "USD 2000",
    "accounts": "acme-usd-01",
    "utids": "u100001",
    "note": "Q3 limits",
}


def test_an_admin_saves_a_new_version_each_time(client, people):
    client.force_login(people["admin"])
    url = reverse("approvals:policy")
    assert client.post(url, POLICY).status_code == 302
    assert client.post(url, {**POLICY, "per_order_limits": "USD 600"}).status_code == 302
    versions = list(ApprovalPolicy.objects.order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].per_order_limits == {"USD": "500.00", "EUR": "400.00"}
    assert versions[1].per_order_limits == {"USD": "600.00"}
    assert versions[1].utids == ["U100001"]
    entry = AuditEntry.objects.filter(action=AuditAction.APPROVAL_POLICY_CHANGE).first()
    assert entry.before["per_order_limits"] == {"USD": "500.00", "EUR": "400.00"}
    assert "USD 600.00" in client.get(url).content.decode()


def test_every_bad_field_gets_its_message_and_nothing_is_saved(client, people):
    client.force_login(people["admin"])
    bad = {**POLICY, "per_order_limits": "USD 500, dollars 5", "dual_approval_limits": "USD 100"}
    bad["note"] = ""
    response = client.post(reverse("approvals:policy"), bad)
    assert response.status_code == 422
    page = response.content.decode()
    assert "write a currency code and an amount" in page
    assert "must be above the per-order limit" in page
    assert "Say why the policy changes" in page
    assert not ApprovalPolicy.objects.exists()


def test_a_manager_reads_the_policy_but_cannot_post_it(client, people, policy):
    client.force_login(people["manager"])
    page = client.get(reverse("approvals:policy")).content.decode()
    assert "USD 500.00" in page and "Save as a new version" not in page
    assert client.post(reverse("approvals:policy"), POLICY).status_code == 403


def test_editing_after_one_approval_voids_it_and_makes_the_editor_a_maker(
    client, policy, draft, people
):
    order = draft(people["support"], "1600.00")
    submit_orders([order], actor=Actor.for_user(people["support"]))
    request = ApprovalRequest.objects.get(order=order)
    approve_request(request_id=request.pk, actor=Actor.for_user(people["manager"]))
    client.force_login(people["manager2"])
    url = reverse("approvals:order-edit", args=[order.pk])
    assert client.get(url).status_code == 200
    form = {"amount": "1700.00", "recipient_first_name": "Jane", "recipient_email": "j@x.example"}
    assert client.post(url, form).status_code == 302
    request.refresh_from_db()
    order.refresh_from_db()
    assert order.amount == 1700 and order.line_items.get().recipient_email == "j@x.example"
    assert request.approvals.filter(voided_at__isnull=True).count() == 0
    assert people["manager2"] in request.makers.all()
    assert request.approvals_needed == 2


def test_an_invalid_edit_writes_nothing(client, policy, draft, people):
    order = draft(people["support"], "600.00")
    submit_orders([order], actor=Actor.for_user(people["support"]))
    client.force_login(people["support"])
    url = reverse("approvals:order-edit", args=[order.pk])
    response = client.post(url, {"amount": "0", "recipient_first_name": "Jane"})
    assert response.status_code == 422
    order.refresh_from_db()
    assert order.amount == 600
