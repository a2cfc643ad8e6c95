"""Fixtures of the order-entry tests: an account, catalog items, a policy and a logged-in
support agent (the form's smallest role)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from approvals.models import ApprovalPolicy
from tests.factories import AccountFactory, BrandFactory, CatalogItemFactory

SYNCED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def account(db):
    return AccountFactory(current_balance=Decimal("1000.00"), balance_synced_at=SYNCED)


@pytest.fixture
def eur_account(db, account):
    return AccountFactory(
        identifier="acme-eur-01",
        customer=account.customer,
        display_name="Acme EUR",
        currency="EUR",
        current_balance=Decimal("500.00"),
        balance_synced_at=SYNCED,
    )


@pytest.fixture
def catalog(db):
    """A Reward Link (1-2000 USD), Starbucks $25 (fixed), a mailed Visa card and an
    Amazon.de card in EUR."""
    return {
        "link": CatalogItemFactory(),
        "fixed": CatalogItemFactory(fixed=True),
        "physical": CatalogItemFactory(physical=True),
        "eur": CatalogItemFactory(
            utid="U400001",
            brand=BrandFactory(brand_key="B000090", name="Amazon.de"),
            reward_name="Amazon.de Gift Card",
            currency="EUR",
            min_value=Decimal("5.00"),
            max_value=Decimal("500.00"),
            reward_type="gift card",
            delivery_methods=["EMAIL"],
        ),
    }


@pytest.fixture
def policy(db):
    return ApprovalPolicy.objects.create(version=1, per_order_limits={"USD": "500.00"})


@pytest.fixture
def support(make_user):
    return make_user("Support")


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client
