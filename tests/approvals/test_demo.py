"""The approvals demo that seed_demo adds: a policy and the waiting orders `make run` shows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from approvals.demo import seed_approvals_demo
from approvals.models import ApprovalPolicy, ApprovalRequest
from tests.factories import AccountFactory, CatalogItemFactory

pytestmark = pytest.mark.django_db


def test_it_seeds_a_policy_and_orders_waiting_once(make_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users = {
        name: make_user(name.title(), username=name) for name in ("support", "manager", "admin")
    }
    account = AccountFactory()
    AccountFactory(
        identifier="acme-usd-02", customer=account.customer, current_balance=Decimal(500)
    )
    CatalogItemFactory()

    assert seed_approvals_demo() == 7
    assert ApprovalPolicy.objects.get().version == 1
    waiting = ApprovalRequest.objects.pending()
    assert waiting.count() == 7
    assert waiting.filter(order__created_by=users["manager"]).count() == 1
    assert waiting.decidable_by(users["manager"]).count() == 6  # not their own
    assert waiting.decidable_by(users["admin"]).count() == 7
    assert waiting.filter(approvals_needed=2).count() == 1
    assert waiting.filter(batch="Spring referral bonuses").count() == 3
    assert seed_approvals_demo() == 0  # once
