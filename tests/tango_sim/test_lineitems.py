"""Resends, line-item actions (cancel / freeze / unfreeze), keyset listing."""

from __future__ import annotations

import pytest

from .conftest import ADDRESS, Api, assert_error

pytestmark = pytest.mark.integration  # starts the simulator process

REASON = {"reasonCode": "FRAUD"}


def test_order_resend_throttle(api: Api) -> None:
    ref = api.placed(25)["referenceOrderID"]
    first = api.post(f"/orders/{ref}/resends", json={})
    assert first.status_code == 201, first.text
    view = first.json()
    assert {"id", "legacyId", "createdAt", "email", "mobileNumber"} <= view.keys()
    throttled = assert_error(api.post(f"/orders/{ref}/resends"), 403, "403.005")
    assert "Last sent at" in throttled["message"]
    api.sim.advance(31)
    again = api.post(f"/orders/{ref}/resends", json={"newEmail": "new@example.com"})
    assert again.status_code == 201
    assert again.json()["id"] == view["id"] + 1
    assert again.json()["email"] == "new@example.com"
    history = api.line(f"{ref}-1")["resendHistory"]
    assert [h["recipient"]["email"] for h in history] == ["jane@example.com", "new@example.com"]


def test_resend_rules(api: Api) -> None:
    none_ref = api.placed(25, deliveryMethod="NONE", recipient=None)["referenceOrderID"]
    assert_error(api.post(f"/orders/{none_ref}/resends", json={}), 403, "403.003")
    api.sim.configure(resend_none_allowed=True)
    allowed = api.post(
        f"/orders/{none_ref}/resends",
        json={"newDeliveryMethod": "EMAIL", "newEmail": "a@example.com"},
    )
    assert allowed.status_code == 201
    physical = api.placed(
        50,
        utid="U300002",
        deliveryMethod="ADDRESS",
        recipient={"firstName": "J", "lastName": "D", "address": ADDRESS},
    )
    assert_error(api.post(f"/orders/{physical['referenceOrderID']}/resends"), 403, None)
    pending = api.placed(25.11)["referenceOrderID"]
    assert_error(api.post(f"/orders/{pending}/resends"), 403, None)
    line_ref = api.placed(25)["referenceLineItemID"]
    resent = api.post(f"/lineItems/{line_ref}/resends", json={"reasonCode": "NOT_RECEIVED"})
    assert resent.status_code == 201
    assert resent.json()["reasonCode"] == "NOT_RECEIVED"
    assert_error(api.post(f"/lineItems/{line_ref}/resends", json={}), 403, "403.005")
    assert_error(api.post("/orders/RA000000-9-99/resends"), 404, "404.017")


def test_cancel_refunds_choice_product(api: Api) -> None:
    before = api.balance()
    line_ref = api.placed(40)["referenceLineItemID"]
    line = api.line(line_ref)
    assert line["canCancel"] is True and line["canFreeze"] is True
    missing = assert_error(api.post(f"/lineItems/{line_ref}/cancel", json={}), 400, None)
    assert missing["errors"][0]["path"] == "reasonCode"
    other = api.post(f"/lineItems/{line_ref}/cancel", json={"reasonCode": "OTHER"})
    assert_error(other, 400, None)
    bad = api.post(f"/lineItems/{line_ref}/cancel", json={"reasonCode": "VERIFY_ORDER"})
    assert_error(bad, 400, None)
    ok = api.post(
        f"/lineItems/{line_ref}/cancel", json={"reasonCode": "OTHER", "otherReason": "sent twice"}
    )
    assert ok.status_code == 202
    assert ok.json() == "Accepted"
    line = api.line(line_ref)
    assert line["status"] == "CANCELLED"
    assert line["rewardStatus"] == "CANCELLED"
    assert line["canCancel"] is False
    assert line["lineItemActionHistory"][0]["action"] == "CANCEL"
    assert api.balance() == before
    assert_error(api.post(f"/lineItems/{line_ref}/cancel", json=REASON), 403, "403.010")
    listed = api.get("/orders", params={"lineItemStatus": "CANCELLED"}).json()
    assert listed["page"]["totalCount"] == 1


def test_action_eligibility(api: Api) -> None:
    non_choice = api.placed(25, utid="U200001")["referenceLineItemID"]
    assert api.line(non_choice)["canCancel"] is False
    assert_error(api.post(f"/lineItems/{non_choice}/cancel", json=REASON), 403, "403.018")
    assert_error(api.post(f"/lineItems/{non_choice}/freeze", json=REASON), 403, "403.018")
    redeemed = api.placed(25.23)["referenceLineItemID"]
    assert api.line(redeemed)["rewardStatus"] == "REDEEMED"
    assert_error(api.post(f"/lineItems/{redeemed}/cancel", json=REASON), 403, "403.010")
    pending = api.placed(25.11)["referenceLineItemID"]
    assert_error(api.post(f"/lineItems/{pending}/freeze", json=REASON), 403, "403.010")
    old = api.placed(25)["referenceLineItemID"]
    unfreeze = api.post(f"/lineItems/{old}/unfreeze", json=REASON)
    assert_error(unfreeze, 403, "403.010")  # not frozen
    api.sim.advance(6 * 86400)
    assert api.line(old)["canCancel"] is False
    assert_error(api.post(f"/lineItems/{old}/cancel", json=REASON), 403, "403.019")
    assert_error(api.post(f"/lineItems/{old}/freeze", json=REASON), 403, "403.019")
    assert_error(api.post("/lineItems/RA000000-9-99-1/cancel", json=REASON), 404, "404.017")


def test_freeze_unfreeze_and_auto_unfreeze(api: Api) -> None:
    line_ref = api.placed(30)["referenceLineItemID"]
    assert api.post(f"/lineItems/{line_ref}/freeze", json=REASON).status_code == 202
    assert api.line(line_ref)["rewardStatus"] == "FROZEN"
    assert api.post(f"/lineItems/{line_ref}/unfreeze", json=REASON).status_code == 202
    assert api.line(line_ref)["rewardStatus"] == "ACTIVE"
    assert api.post(f"/lineItems/{line_ref}/freeze", json=REASON).status_code == 202
    api.sim.advance(47 * 3600)
    assert api.line(line_ref)["rewardStatus"] == "FROZEN"
    api.sim.advance(3600)
    line = api.line(line_ref)
    assert line["rewardStatus"] == "ACTIVE"
    assert [h["status"] for h in line["rewardViewHistory"]] == [
        "ACTIVE",
        "FROZEN",
        "ACTIVE",
        "FROZEN",
        "ACTIVE",
    ]


def test_line_items_keyset_and_filters(api: Api) -> None:
    refs = [api.placed(10 + i)["referenceLineItemID"] for i in range(5)]
    api.placed(10.17)
    page1 = api.get("/lineItems", params={"elementsPerBlock": 2, "status": "COMPLETE"}).json()
    assert page1["keysetPage"]["totalCount"] == 5
    assert [li["referenceLineItemID"] for li in page1["lineItems"]] == refs[::-1][:2]
    assert "reward" not in page1["lineItems"][0]
    assert page1["keysetPage"]["previousPageKeys"] == []
    keys = page1["keysetPage"]["nextPageKeys"]
    page2 = api.get(
        "/lineItems", params={"elementsPerBlock": 2, "status": "COMPLETE", "pageKeys": keys}
    ).json()
    assert [li["referenceLineItemID"] for li in page2["lineItems"]] == refs[::-1][2:4]
    back = api.get(
        "/lineItems",
        params={
            "elementsPerBlock": 2,
            "status": "COMPLETE",
            "pagePrevious": "true",
            "pageKeys": page2["keysetPage"]["previousPageKeys"],
        },
    )
    assert [li["referenceLineItemID"] for li in back.json()["lineItems"]] == refs[::-1][:2]
    failed = api.get("/lineItems", params={"status": "FAILED"}).json()
    assert failed["keysetPage"]["totalCount"] == 1
    by_order = api.get("/lineItems", params={"referenceOrderID": refs[0][:-2]}).json()
    assert [li["referenceLineItemID"] for li in by_order["lineItems"]] == [refs[0]]
    assert (
        api.get("/lineItems", params={"emailStatus": "SENT"}).json()["keysetPage"]["totalCount"]
        == 5
    )
    assert_error(api.get("/lineItems", params={"elementsPerBlock": 500}), 422, "422.042")
    detail = api.line(refs[0])
    assert detail["reward"]["credentialList"]
    assert {"resendHistory", "lineItemActionHistory", "rewardViewHistory"} <= detail.keys()
    patched = api.request(
        "PATCH", f"/lineItems/{refs[0]}", json={"campaign": "Q4 push", "orderNotes": "note"}
    )
    assert patched.status_code == 202
    assert api.line(refs[0])["campaign"] == "Q4 push"
