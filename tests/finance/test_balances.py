"""Balances: the check between readings, spend / committed / runway, thresholds and alerts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from core.actor import Actor
from finance.actions.balances import alert_low_balances, refresh_balances, set_threshold
from finance.balances import account_balances, committed, runway_days, spend
from finance.models import BalanceReading, BalanceThreshold
from orders.models import Account, WebhookEvent
from tests.factories import AccountFactory, OrderFactory
from tests.health.conftest import subscribed_sim, wait_for  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The banner is cached per process (the live server of browser tests shares it)."""
    cache.clear()
    yield
    cache.clear()


def tango_balance(fake, account: Account, balance: str) -> None:
    fake.accounts = [
        {
            "accountIdentifier": account.identifier,
            "customerIdentifier": account.customer.identifier,
            "currentBalance": balance,
            "currencyCode": "USD",
        }
    ]


def test_a_drop_explained_by_our_charges_is_not_flagged_an_unexplained_one_is(db, fake_tango):
    account = AccountFactory(current_balance=Decimal("1000.00"))
    tango_balance(fake_tango, account, "1000.00")
    first = refresh_balances().readings[0]
    assert first.expected is None and not first.flagged

    OrderFactory(account=account, placed=True, amount=Decimal("25.00"))
    tango_balance(fake_tango, account, "975.00")
    second = refresh_balances().readings[0]
    assert (second.charges, second.expected, second.flagged) == (
        Decimal("25.00"),
        Decimal("975.00"),
        False,
    )

    tango_balance(fake_tango, account, "960.00")
    third = refresh_balances().readings[0]
    assert third.flagged and third.difference == Decimal("-15.00")
    assert Account.objects.get().current_balance == Decimal("960.00")


def test_a_refund_of_a_line_that_failed_in_between_explains_a_rise(db, fake_tango):
    from core.actor import ActorPath
    from orders import events

    account = AccountFactory(current_balance=Decimal("500.00"))
    order = OrderFactory(account=account, placed=True, amount=Decimal("40.00"))
    line = order.line_items.get()
    tango_balance(fake_tango, account, "500.00")
    refresh_balances()
    events.line_item_changed(
        line_item=line,
        changes={"status": ("COMPLETE", "FAILED")},
        actor=Actor.system(ActorPath.SYNC),
        occurred_at=timezone.now(),
    )
    tango_balance(fake_tango, account, "540.00")
    reading = refresh_balances().readings[0]
    assert (reading.refunds, reading.flagged) == (Decimal("40.00"), False)


def test_funding_that_arrives_after_the_read_clears_the_flag_on_the_next_read(db, fake_tango):
    account = AccountFactory(current_balance=Decimal("100.00"))
    tango_balance(fake_tango, account, "100.00")
    refresh_balances()
    tango_balance(fake_tango, account, "600.00")
    funded = refresh_balances().readings[0]
    assert funded.flagged and funded.difference == Decimal("500.00")

    WebhookEvent.objects.create(
        event_id="tx-1",
        event_type="Transaction",
        occurred_at=funded.previous_read_at + (funded.read_at - funded.previous_read_at) / 2,
        body="{}",
        payload={
            "eventType": "Transaction",
            "eventData": {
                "accountIdentifier": account.identifier,
                "transactionType": "DEPOSIT",
                "amount": 500.0,
            },
        },
    )
    refresh_balances()
    funded.refresh_from_db()
    assert (funded.funding, funded.flagged) == (Decimal("500.00"), False)


def test_spend_committed_and_runway(db):
    account = AccountFactory(current_balance=Decimal("1000.00"))
    OrderFactory(account=account, placed=True, amount=Decimal("300.00"))
    OrderFactory(account=account, placed=True, amount=Decimal("50.00"), tango_status="FAILED")
    OrderFactory(account=account, amount=Decimal("100.00"))  # queued
    OrderFactory(account=account, amount=Decimal("40.00"), state="draft")  # not committed
    assert spend(account, days=7) == Decimal("300.00")
    assert spend(account, days=30, now=timezone.now() + timedelta(days=31)) == Decimal("0.00")
    assert committed(account) == Decimal("100.00")
    # 300 over 30 days is 10 a day; (1000 - 100) / 10 = 90 days.
    assert runway_days(Decimal("1000.00"), Decimal("100.00"), Decimal("300.00")) == Decimal("90")
    assert runway_days(Decimal("1000.00"), Decimal("0"), Decimal("0")) is None
    [row] = account_balances()
    assert row.runway == Decimal("90.0") and not row.low


def test_threshold_is_audited_and_the_alert_goes_once_a_day(db, make_user, settings):
    settings.BALANCE_ALERT_EMAILS = ["treasury@example.com"]
    account = AccountFactory(current_balance=Decimal("80.00"))
    actor = Actor.for_user(make_user("Finance"))
    set_threshold(account=account, amount=Decimal("100.00"), actor=actor)
    entry = AuditEntry.objects.get(action=AuditAction.BALANCE_THRESHOLD)
    assert entry.after == {"amount": "100.00"}

    assert alert_low_balances() == 1
    assert alert_low_balances() == 0  # already today
    assert alert_low_balances(now=timezone.now() + timedelta(days=1, minutes=1)) == 1
    assert len(mail.outbox) == 2 and "acme-usd-01" in mail.outbox[0].subject

    set_threshold(account=account, amount=None, actor=actor)
    assert not BalanceThreshold.objects.exists()


def test_balances_page_shows_runway_and_the_low_balance_banner(client, make_user, db):
    account = AccountFactory(current_balance=Decimal("80.00"))
    OrderFactory(account=account, placed=True, amount=Decimal("30.00"))
    BalanceThreshold.objects.create(account=account, amount=Decimal("100.00"))
    client.force_login(make_user("Finance"))
    page = client.get(reverse("finance:balances")).content.decode()
    assert "80.0 days" in page  # 30 spent in 30 days: 1 a day
    assert "Low balance:" in page and "acme-usd-01 (80.00 USD)" in page
    assert 'name="amount"' in page  # finance may edit the threshold


def test_a_manager_sees_balances_but_cannot_edit_thresholds(client, make_user, db):
    AccountFactory()
    client.force_login(make_user("Manager"))
    page = client.get(reverse("finance:balances")).content.decode()
    assert "Refresh from Tango" in page and 'name="amount"' not in page


@pytest.mark.integration
def test_the_balance_check_flags_an_unexplained_change_and_not_a_funded_one(
    subscribed_sim,  # noqa: F811  (the fixture imported above)
):
    """Acceptance, against the simulator: funding (Transaction webhook) explains its change;
    an injected balance drift (no event) is flagged."""
    sim = subscribed_sim
    refresh_balances()
    before = BalanceReading.objects.filter(account__identifier="acme-usd-01").get()

    sim.fund("acme-usd-01", 1500)
    wait_for(lambda: WebhookEvent.objects.filter(event_type="Transaction").exists())
    funded = next(r for r in refresh_balances().readings if r.account.identifier == "acme-usd-01")
    assert funded.balance == before.balance + Decimal("1500.00")
    assert (funded.funding, funded.flagged) == (Decimal("1500.00"), False)

    sim.drift_balance("acme-usd-01", delta=-37.5)
    readings = refresh_balances().readings
    drifted = next(r for r in readings if r.account.identifier == "acme-usd-01")
    assert drifted.flagged and drifted.difference == Decimal("-37.50")
    assert [r.account.identifier for r in readings if r.flagged] == ["acme-usd-01"]
