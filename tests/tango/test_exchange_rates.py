"""GET /exchangerates: the client's parsing (canned answers), the simulator's contract and
FakeTango's answer, which the order form's cost preview relies on."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from responses import matchers

from tango import ExchangeRate, TangoClient, TangoUnavailable
from tango.testing import FakeTango
from tango.testing.payloads import BASE


def test_the_client_sends_the_currency_filters_and_parses_string_rates(tango, mocked):
    mocked.get(
        f"{BASE}/exchangerates",
        json={
            "disclaimer": "rates",
            "exchangeRates": [
                {
                    "rewardCurrency": "eur",
                    "baseCurrency": "USD",
                    "baseFx": "1.0870",  # a string in [REF]
                    "lastModifiedDate": "2026-01-01T00:00:00Z",
                },
                "not an object",
            ],
        },
        match=[matchers.query_param_matcher({"rewardCurrency": "EUR", "baseCurrency": "USD"})],
    )
    rates = tango.get_exchange_rates(reward_currency="eur", base_currency="usd")
    assert rates == (
        ExchangeRate(
            reward_currency="EUR",
            base_currency="USD",
            base_fx=Decimal("1.0870"),
            last_modified=datetime(2026, 1, 1, tzinfo=UTC),
        ),
    )


def test_a_number_rate_without_filters(tango, mocked):
    mocked.get(
        f"{BASE}/exchangerates",
        json={"exchangeRates": [{"rewardCurrency": "USD", "baseCurrency": "EUR", "baseFx": 0.92}]},
        match=[matchers.query_param_matcher({})],
    )
    [rate] = tango.get_exchange_rates()
    assert rate.base_fx == Decimal("0.92") and rate.last_modified is None


def test_an_unexpected_shape_is_unavailable(tango, mocked):
    mocked.get(f"{BASE}/exchangerates", json=[1, 2])
    with pytest.raises(TangoUnavailable):
        tango.get_exchange_rates()


def test_the_simulator_serves_its_fixed_rates(tmp_path_factory):
    from tango_sim.testing import running_simulator

    with running_simulator(tmp_path_factory.mktemp("sim"), TANGO_SIM_ORDER_TPS="0") as sim:
        client = TangoClient(
            base_url=sim.base_url, platform_name=sim.platform_name, platform_key=sim.platform_key
        )
        try:
            [rate] = client.get_exchange_rates(reward_currency="EUR", base_currency="USD")
            every = client.get_exchange_rates()
        finally:
            client.close()
    assert (rate.reward_currency, rate.base_currency, rate.base_fx) == (
        "EUR",
        "USD",
        Decimal("1.087"),
    )
    assert {(r.reward_currency, r.base_currency) for r in every} == {("EUR", "USD"), ("USD", "EUR")}


def test_fake_tango_answers_the_simulators_rates_and_records_the_call():
    fake = FakeTango()
    [rate] = fake.get_exchange_rates(reward_currency="EUR", base_currency="USD")
    assert rate.base_fx == Decimal("1.087")
    assert fake.get_exchange_rates(reward_currency="USD", base_currency="USD") == ()
    fake.exchange_rates[("EUR", "USD")] = Decimal("1.2")
    assert fake.get_exchange_rates(reward_currency="EUR")[0].base_fx == Decimal("1.2")
    assert fake.count("get_exchange_rates") == 3
    fake.errors["get_exchange_rates"] = TangoUnavailable("down")
    with pytest.raises(TangoUnavailable):
        fake.get_exchange_rates()
