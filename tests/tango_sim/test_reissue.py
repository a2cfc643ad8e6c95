"""POST /lineItems/{id}/reissue, reason codes, exchange rates and the per-program window."""

from __future__ import annotations

import pytest

from .conftest import Api, Receiver, assert_error

pytestmark = pytest.mark.integration  # starts the simulator process

REISSUE = {"reasonCode": "RECIPIENT"}


def test_reissue_cancels_refunds_and_creates_a_linked_order(api: Api, receiver: Receiver) -> None:
    api.sim.configure(webhook_url=receiver.url)
    original = api.placed(40, externalRefID="orig-1", notes="first try")
    old_ref = original["referenceLineItemID"]
    before = api.balance()
    response = api.post(
        f"/lineItems/{old_ref}/reissue",
        json={
            "reasonCode": "RECIPIENT",
            "amount": 55,
            "deliveryMethod": "PHONE",
            "recipient": {"firstName": "Joan", "mobileNumber": "+15555550123"},
        },
    )
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["referenceOrderID"] != original["referenceOrderID"]
    assert new["referenceOrderID"].startswith("RA")
    new_ref = new["referenceLineItemID"]
    assert new["status"] == "COMPLETE"
    assert new["denomination"]["value"] == 55.0
    assert new["deliveryMethod"] == "PHONE"
    assert new["recipient"] == {
        "firstName": "Joan",
        "lastName": "Doe",
        "email": "jane@example.com",
        "mobileNumber": "+15555550123",
    }
    assert new["utid"] == original["utid"] and new["externalRefID"] is None
    assert new["notes"] == "first try"
    assert new["reward"]["credentialList"]
    assert api.balance() == pytest.approx(before + 40 - 55)
    old = api.line(old_ref)
    assert old["status"] == "CANCELLED" and old["rewardStatus"] == "CANCELLED"
    assert old["reissuedToReferenceLineItemId"] == new_ref
    assert old["lineItemActionHistory"][-1] == {
        "action": "REISSUE",
        "reason": "RECIPIENT",
        "actionDate": old["lineItemActionHistory"][-1]["actionDate"],
        "oldReferenceLineItemId": old_ref,
        "newReferenceLineItemId": new_ref,
    }
    assert old["canCancel"] is False
    assert (
        api.get(f"/orders/{original['referenceOrderID']}").json()["lineItemStatus"] == "CANCELLED"
    )
    fresh = api.line(new_ref)
    assert fresh["reissuedFromReferenceLineItemId"] == old_ref
    assert fresh["canCancel"] is True
    event = receiver.wait_for("RewardStatus")[0]["eventData"]
    assert event == {
        "referenceLineItemId": old_ref,
        "externalRefID": "orig-1",
        "action": "CANCEL",
        "reasonCode": "RECIPIENT",
        "reason": None,
        "status": "CANCELLED",
        "type": "REISSUE",
        "newReferenceLineItemId": new_ref,
    }
    # The cancelled original cannot be reissued again.
    assert_error(api.post(f"/lineItems/{old_ref}/reissue", json=REISSUE), 403, "403.010")


def test_reissue_keeps_fees_and_defaults_to_the_original(api: Api) -> None:
    before = api.balance()
    original = api.placed(30, utid="U100001", deliveryMethod="NONE", recipient=None)
    response = api.post(f"/lineItems/{original['referenceLineItemID']}/reissue", json=REISSUE)
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["deliveryMethod"] == "NONE" and new["denomination"]["value"] == 30.0
    assert api.balance() == pytest.approx(before - 30)  # refunded 30, charged 30 again


def test_reissue_errors(api: Api) -> None:
    line = api.placed(25)["referenceLineItemID"]
    missing = assert_error(api.post(f"/lineItems/{line}/reissue", json={}), 400, None)
    assert missing["errors"][0]["path"] == "reasonCode"
    assert_error(api.post(f"/lineItems/{line}/reissue", json={"reasonCode": "FRAUD"}), 400, None)
    other = api.post(f"/lineItems/{line}/reissue", json={"reasonCode": "OTHER"})
    assert_error(other, 400, None)
    bad_method = api.post(
        f"/lineItems/{line}/reissue", json={**REISSUE, "deliveryMethod": "ADDRESS"}
    )
    assert assert_error(bad_method, 400, None)["errors"][0]["path"] == "deliveryMethod"
    bad_email = api.post(
        f"/lineItems/{line}/reissue", json={**REISSUE, "recipient": {"email": "x"}}
    )
    assert assert_error(bad_email, 400, None)["errors"][0]["path"] == "recipient.email"
    long_notes = api.post(f"/lineItems/{line}/reissue", json={**REISSUE, "notes": "n" * 151})
    assert_error(long_notes, 400, None)
    assert_error(
        api.post(f"/lineItems/{line}/reissue", json={**REISSUE, "amount": 5000}), 422, "422.025"
    )
    no_phone = api.post(f"/lineItems/{line}/reissue", json={**REISSUE, "deliveryMethod": "PHONE"})
    assert_error(no_phone, 422, "422.028")
    gift_card = api.placed(25, utid="U200001")["referenceLineItemID"]
    assert_error(api.post(f"/lineItems/{gift_card}/reissue", json=REISSUE), 403, "403.018")
    pending = api.placed(25.11)["referenceLineItemID"]
    assert_error(api.post(f"/lineItems/{pending}/reissue", json=REISSUE), 403, "403.010")
    assert_error(api.post("/lineItems/RA000000-9-99-1/reissue", json=REISSUE), 404, "404.017")
    small = api.placed(300, accountIdentifier="acme-usd-02")["referenceLineItemID"]
    short = api.post(f"/lineItems/{small}/reissue", json={**REISSUE, "amount": 600})
    assert_error(short, 402, "402.001")
    assert api.line(small)["status"] == "COMPLETE"  # nothing changed
    assert api.balance("acme-usd-02") == pytest.approx(200)
    ok = api.post(f"/lineItems/{small}/reissue", json={**REISSUE, "amount": 450})
    assert ok.status_code == 201  # the refund of the original pays for most of it
    assert api.balance("acme-usd-02") == pytest.approx(50)
    api.sim.advance(6 * 86400)
    assert_error(api.post(f"/lineItems/{line}/reissue", json=REISSUE), 403, "403.019")


def test_at_most_five_reissues_along_the_chain(api: Api) -> None:
    ref = api.placed(20)["referenceLineItemID"]
    for _ in range(5):
        response = api.post(f"/lineItems/{ref}/reissue", json=REISSUE)
        assert response.status_code == 201, response.text
        ref = response.json()["referenceLineItemID"]
    assert_error(api.post(f"/lineItems/{ref}/reissue", json=REISSUE), 403, "403.022")
    assert api.line(ref)["canCancel"] is True  # the limit is on reissue only


def test_reason_codes_match_what_the_actions_accept(api: Api) -> None:
    codes = api.get("/lineItems/reasonCodes").json()
    assert set(codes) == {"FREEZE", "UNFREEZE", "CANCEL", "CANCEL_AND_REISSUE"}
    assert list(codes["CANCEL"]) == [
        "DELIVERY_INFO",
        "REWARD_AMOUNT",
        "REWARD_TYPE",
        "RECIPIENT",
        "CURRENCY",
        "RECIPIENT_REQUESTED",
        "RECIPIENT_OBLIGATIONS",
        "DUPLICATE",
        "FRAUD",
        "OTHER",
    ]
    assert list(codes["FREEZE"]) == [
        "DELIVERY_INFO",
        "REWARD_AMOUNT",
        "REWARD_TYPE",
        "VERIFY_ORDER",
        "FRAUD",
        "OTHER",
    ]
    assert list(codes["CANCEL_AND_REISSUE"]) == [*list(codes["CANCEL"])[:6], "OTHER"]
    assert all(
        isinstance(text, str) and text for table in codes.values() for text in table.values()
    )
    for action, table in (("freeze", "FREEZE"), ("cancel", "CANCEL")):
        for code in codes[table]:
            line = api.placed(10)["referenceLineItemID"]
            body = {"reasonCode": code, "otherReason": "because"}
            assert api.post(f"/lineItems/{line}/{action}", json=body).status_code == 202
    for code in codes["CANCEL_AND_REISSUE"]:
        line = api.placed(10)["referenceLineItemID"]
        body = {"reasonCode": code, "otherReason": "because"}
        assert api.post(f"/lineItems/{line}/reissue", json=body).status_code == 201
    bulk = api.get("/asyncOrders/reasonCodes").json()["reasonCodes"]
    assert bulk["CANCEL"] == codes["CANCEL"] and bulk["FREEZE"] == codes["FREEZE"]
    assert bulk["UNFREEZE"] == codes["UNFREEZE"] and bulk["REISSUE"] == codes["CANCEL_AND_REISSUE"]


def test_exchange_rates_are_the_rates_orders_use(api: Api) -> None:
    body = api.get("/exchangerates").json()
    rates = {(r["rewardCurrency"], r["baseCurrency"]): r["baseFx"] for r in body["exchangeRates"]}
    assert rates == {("EUR", "USD"): 1.087, ("USD", "EUR"): 0.92}
    assert body.keys() >= {"disclaimer", "prevCursor", "nextCursor", "maxResults"}
    eur_reward = api.placed(100, utid="U400010")  # EUR reward, USD account
    assert eur_reward["amountCharged"]["exchangeRate"] == rates[("EUR", "USD")]
    usd_reward = api.placed(
        100, accountIdentifier="globex-eur-01", customerIdentifier="globex-eu"
    )  # USD reward, EUR account
    assert usd_reward["amountCharged"]["exchangeRate"] == rates[("USD", "EUR")]
    assert usd_reward["amountCharged"]["total"] == pytest.approx(100 * rates[("USD", "EUR")])
    only = api.get("/exchangerates", params={"baseCurrency": "EUR"}).json()["exchangeRates"]
    assert [(r["rewardCurrency"], r["baseCurrency"]) for r in only] == [("USD", "EUR")]
    paged = api.get("/exchangerates", params={"paginate": "true", "maxResults": 1}).json()
    assert len(paged["exchangeRates"]) == 1 and paged["nextPageAvailable"] is True
    rest = api.get(
        "/exchangerates",
        params={"paginate": "true", "maxResults": 1, "nextCursor": paged["nextCursor"]},
    ).json()
    assert len(rest["exchangeRates"]) == 1 and rest["nextPageAvailable"] is False


def test_action_window_is_configurable_per_program(api: Api) -> None:
    main = api.placed(25)["referenceLineItemID"]
    petty = api.placed(25, accountIdentifier="acme-usd-02")["referenceLineItemID"]
    globex = api.placed(25, accountIdentifier="globex-usd-01", customerIdentifier="globex-eu")[
        "referenceLineItemID"
    ]
    api.sim.configure(action_window_days=2, action_windows={"acme-usd-02": 0, "globex-eu": 10})
    assert api.line(main)["canCancel"] is True
    assert api.line(petty)["canCancel"] is True  # day 0 is inside a 0-day window
    api.sim.advance(86400)
    assert api.line(petty)["canCancel"] is False and api.line(petty)["canFreeze"] is False
    body = assert_error(
        api.post(f"/lineItems/{petty}/cancel", json={"reasonCode": "FRAUD"}), 403, "403.019"
    )
    assert "0 calendar days" in body["message"]
    assert api.line(main)["canFreeze"] is True
    api.sim.advance(2 * 86400)
    assert api.line(main)["canCancel"] is False
    assert_error(api.post(f"/lineItems/{main}/reissue", json=REISSUE), 403, "403.019")
    api.sim.advance(6 * 86400)  # day 9
    assert api.line(globex)["canCancel"] is True
    assert api.post(f"/lineItems/{globex}/freeze", json={"reasonCode": "FRAUD"}).status_code == 202
    api.sim.advance(2 * 86400)  # day 11
    assert api.line(globex)["canCancel"] is False
    bad = api.sim.admin
    with pytest.raises(Exception, match="action_windows"):
        bad("POST", "/config", {"action_windows": {"acme-usd-01": -1}})


def test_new_config_keys_from_the_environment() -> None:
    from tango_sim.config import Settings

    settings = Settings.from_env(
        {
            "TANGO_SIM_ACTION_WINDOW_DAYS": "3",
            "TANGO_SIM_ACTION_WINDOWS": '{"acme-usd-02": 1}',
            "TANGO_SIM_WEBHOOK_LIFETIME_DAYS": "0.5",
            "TANGO_SIM_ASYNC_MAX_LINE_ITEMS": "5000",
        }
    )
    assert settings.initial["action_window_days"] == 3
    assert settings.initial["action_windows"] == {"acme-usd-02": 1}
    assert settings.initial["webhook_lifetime_days"] == 0.5
    assert settings.initial["async_max_line_items"] == 5000
    defaults = Settings.from_env({}).initial
    assert defaults["action_window_days"] == 5 and defaults["action_windows"] == {}
    assert defaults["webhook_lifetime_days"] == 365 and defaults["async_max_line_items"] == 1000
