"""Fixtures the approvals tests share: a policy, people of every role, orders entered as drafts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from approvals.models import ApprovalPolicy
from core.actor import Actor
from tests.factories import AccountFactory, CatalogItemFactory, new_order


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Six users per test: hashing their passwords with PBKDF2 would be most of the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def account(db):
    return AccountFactory(current_balance=Decimal("10000.00"))


@pytest.fixture
def catalog(db):
    return CatalogItemFactory()


@pytest.fixture
def policy(db):
    """USD: above 500 one approval, above 1,500 two; batches above 1,000."""
    return ApprovalPolicy.objects.create(
        version=1,
        per_order_limits={"USD": "500.00"},
        dual_approval_limits={"USD": "1500.00"},
        batch_limits={"USD": "1000.00"},
    )


@pytest.fixture
def people(make_user):
    """One user per role, plus a superuser with no role."""
    from django.contrib.auth import get_user_model

    users = {role.lower(): make_user(role) for role in ("Support", "Finance", "Manager", "Admin")}
    users["manager2"] = make_user("Manager", username="manager-two")
    users["superuser"] = get_user_model().objects.create_superuser(
        username="root", password="pw-for-tests-only", email="root@example.com"
    )
    return users


@pytest.fixture
def draft(account, catalog):
    """`draft(user, amount)`: a DRAFT order entered by `user` (None: the system)."""

    def make(user=None, amount="25.00", **overrides):
        actor = Actor.for_user(user) if user is not None else Actor.system()
        return new_order(account, submit=False, amount=amount, actor=actor, **overrides)

    return make
