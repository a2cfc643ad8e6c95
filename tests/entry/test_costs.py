"""entry.actions.costs.preview_cost: face value, the catalog's fee (as approvals counts it),
the amount charged in the account's currency with Tango's rate, the balance after."""

from __future__ import annotations

from decimal import Decimal

from entry.actions.costs import preview_cost
from tango import TangoUnavailable


def test_nothing_to_preview_until_account_reward_and_amount(account, catalog):
    assert preview_cost(account=None, item=catalog["link"], amount="10") is None
    assert preview_cost(account=account, item=None, amount="10") is None
    assert preview_cost(account=account, item=catalog["link"], amount="") is None
    assert preview_cost(account=account, item=catalog["link"], amount="ten") is None


def test_same_currency_has_no_rate_and_asks_tango_nothing(account, catalog, fake_tango):
    cost = preview_cost(account=account, item=catalog["link"], amount="40")
    assert (cost.face_value, cost.fee, cost.charged, cost.balance_after) == (
        Decimal("40.00"),
        None,
        Decimal("40.00"),
        Decimal("960.00"),
    )
    assert not cost.cross_currency and not cost.exceeds_balance
    assert fake_tango.calls == []


def test_a_catalog_fee_is_added_as_approvals_counts_it(account, catalog):
    item = catalog["link"]
    item.fee_type, item.fee_value = "PERCENTAGE", Decimal("2.5")
    cost = preview_cost(account=account, item=item, amount="200")
    assert (cost.fee, cost.charged) == (Decimal("5.00"), Decimal("205.00"))
    item.fee_type, item.fee_value = "FIXED", Decimal("1.25")
    assert preview_cost(account=account, item=item, amount="200").charged == Decimal("201.25")


def test_cross_currency_uses_tangos_rate_and_fees_in_the_account_currency(
    eur_account, catalog, fake_tango
):
    item = catalog["link"]  # USD reward, EUR account: 0.92 (the simulator's rate)
    item.fee_type, item.fee_value = "PERCENTAGE", Decimal("1")
    cost = preview_cost(account=eur_account, item=item, amount="100")
    assert cost.cross_currency and cost.rate == Decimal("0.92")
    assert (cost.converted, cost.fee, cost.charged) == (
        Decimal("92.00"),
        Decimal("0.92"),
        Decimal("92.92"),
    )
    assert cost.balance_after == Decimal("407.08")
    assert fake_tango.calls == [
        ("get_exchange_rates", {"reward_currency": "USD", "base_currency": "EUR"})
    ]


def test_without_tangos_rate_the_charge_is_unknown_not_guessed(eur_account, catalog, fake_tango):
    fake_tango.errors["get_exchange_rates"] = TangoUnavailable("down")
    cost = preview_cost(account=eur_account, item=catalog["link"], amount="100")
    assert cost.rate is None and cost.charged is None and cost.balance_after is None
    assert "could not be read" in cost.rate_problem and not cost.exceeds_balance
    fake_tango.errors.clear()
    fake_tango.exchange_rates.clear()
    missing = preview_cost(account=eur_account, item=catalog["link"], amount="100")
    assert missing.rate_problem == "Tango has no exchange rate from USD to EUR."


def test_tangos_rate_is_kept_a_few_minutes_and_a_failure_is_not(eur_account, catalog, fake_tango):
    fake_tango.errors["get_exchange_rates"] = TangoUnavailable("down")
    assert preview_cost(account=eur_account, item=catalog["link"], amount="100").rate is None
    fake_tango.errors.clear()
    for amount in ("100", "120", "150"):  # every keystroke previews again
        assert preview_cost(account=eur_account, item=catalog["link"], amount=amount).rate
    assert [name for name, _ in fake_tango.calls] == ["get_exchange_rates"] * 2
