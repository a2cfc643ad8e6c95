"""Legacy ``sendEmail`` on POST /orders (§4.1) and status values outside the known vocabulary."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ADDRESS, Api, assert_error, async_body

pytestmark = pytest.mark.integration  # starts the simulator process

NO_EMAIL = {"firstName": "Jane", "lastName": "Doe"}


def legacy(api: Api, **fields: Any) -> Any:
    body: dict[str, Any] = {
        "customerIdentifier": "acme-main",
        "accountIdentifier": "acme-usd-01",
        "utid": "U100001",
        "amount": 25,
        "recipient": {"firstName": "Jane", "lastName": "Doe", "email": "jane@example.com"},
    }
    body.update(fields)
    return api.post("/orders", json={k: v for k, v in body.items() if v is not None})


def test_send_email_true_without_delivery_method_is_email(api: Api) -> None:
    created = legacy(api, sendEmail=True)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["deliveryMethod"] == "EMAIL" and order["sendEmail"] is True
    line = api.line(order["referenceLineItemID"])
    assert line["emailStatus"] == "SENT" and line["deliveryMethod"] == "EMAIL"
    # EMAIL still needs a recipient email.
    assert_error(legacy(api, sendEmail=True, recipient=NO_EMAIL), 422, "422.029")


def test_send_email_false_without_delivery_method_is_none(api: Api) -> None:
    created = legacy(api, sendEmail=False, recipient=NO_EMAIL)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["deliveryMethod"] == "NONE" and order["sendEmail"] is False
    assert order["reward"]["credentialList"]  # the caller hands the credentials over
    line = api.line(order["referenceLineItemID"])
    assert line["emailStatus"] is None and line["deliveryStatus"] is None
    assert line["resendHistory"] == []
    no_recipient = legacy(api, sendEmail=False, recipient=None)
    assert no_recipient.status_code == 201, no_recipient.text
    assert no_recipient.json()["deliveryMethod"] == "NONE"
    listed = api.get("/orders", params={"deliveryMethod": "NONE"}).json()
    assert listed["page"]["totalCount"] == 2


def test_delivery_method_wins_over_send_email(api: Api) -> None:
    email = legacy(api, sendEmail=False, deliveryMethod="EMAIL")
    assert email.status_code == 201 and email.json()["deliveryMethod"] == "EMAIL"
    none = legacy(api, sendEmail=True, deliveryMethod="NONE", recipient=NO_EMAIL)
    assert none.status_code == 201 and none.json()["deliveryMethod"] == "NONE"
    phone = legacy(
        api,
        sendEmail=True,
        deliveryMethod="PHONE",
        recipient={"firstName": "J", "mobileNumber": "+15555550100"},
    )
    assert phone.status_code == 201 and phone.json()["deliveryMethod"] == "PHONE"
    # Neither field: EMAIL, as before.
    default = legacy(api)
    assert default.status_code == 201 and default.json()["deliveryMethod"] == "EMAIL"
    bad = assert_error(legacy(api, sendEmail="yes"), 400, None)
    assert bad["errors"][0]["path"] == "sendEmail"


def test_address_defaulting_rule_is_kept(api: Api) -> None:
    physical = {"firstName": "J", "lastName": "D", "address": ADDRESS}
    for send_email in (None, True, False):
        created = legacy(api, utid="U300002", amount=50, recipient=physical, sendEmail=send_email)
        assert created.status_code == 201, created.text
        assert created.json()["deliveryMethod"] == "ADDRESS"


SCHEDULED = "SCHEDULED DELIVERY"


def test_unknown_order_status_is_returned_as_is(api: Api) -> None:
    order = api.placed(25)
    ref = order["referenceOrderID"]
    view = api.sim.transition(ref, SCHEDULED)
    assert view["orderStatus"] == view["status"] == SCHEDULED
    assert view["lineItemStatus"] == "COMPLETE"  # unknown order status leaves lines alone
    listed = api.get("/orders").json()["orders"][0]
    assert listed["status"] == listed["orderStatus"] == SCHEDULED
    line = api.get("/lineItems", params={"referenceOrderID": ref}).json()["lineItems"][0]
    assert line["orderStatus"] == SCHEDULED and line["status"] == "COMPLETE"
    assert api.sim.stats()["orders_by_status"] == {SCHEDULED: 1}
    back = api.sim.transition(ref, "COMPLETE")
    assert back["orderStatus"] == "COMPLETE"


def test_unknown_line_item_status_is_returned_as_is(api: Api) -> None:
    before = api.balance()
    ref = api.placed(25.11)["referenceOrderID"]  # PENDING
    view = api.sim.transition(ref, SCHEDULED, SCHEDULED)
    assert view["orderStatus"] == SCHEDULED and view["lineItemStatus"] == SCHEDULED
    line = api.get("/lineItems", params={"referenceOrderID": ref}).json()["lineItems"][0]
    assert line["status"] == SCHEDULED and line["orderStatus"] == SCHEDULED
    assert line["canCancel"] is False
    detail = api.line(line["referenceLineItemID"])
    assert detail["status"] == SCHEDULED
    assert api.get(f"/orders/{ref}").json()["lineItemStatus"] == SCHEDULED
    api.sim.advance(2 * 3600)  # the pending timer was dropped: nothing moves
    assert api.get(f"/orders/{ref}").json()["orderStatus"] == SCHEDULED
    assert api.balance() == pytest.approx(before - 25.11)  # no refund, no re-charge


def test_unknown_status_in_the_async_summary(api: Api) -> None:
    assert api.post("/asyncOrders", json=async_body("sched-1", [5, 6])).status_code == 202
    path = "/asyncOrders/customers/acme-main/accounts/acme-usd-01/sched-1"
    ref = api.get(path).json()["referenceOrderID"]
    api.sim.transition(ref, SCHEDULED, SCHEDULED)
    detail = api.get(path).json()
    assert detail["orderStatus"] == SCHEDULED
    assert [li["lineItemStatus"] for li in detail["lineItems"]] == [SCHEDULED, SCHEDULED]
    listed = api.get("/asyncOrders").json()["orders"][0]
    assert listed["orderStatus"] == SCHEDULED
    items = api.get(f"{path}/lineItems").json()["lineItems"]
    assert {li["status"] for li in items} == {SCHEDULED}
    assert len(SCHEDULED) == 18


def test_transition_rejects_non_strings(api: Api) -> None:
    ref = api.placed(25)["referenceOrderID"]
    for body in ({"orderStatus": ""}, {"orderStatus": 5}, {"orderStatus": "X" * 65}):
        with pytest.raises(Exception, match="400"):
            api.sim.admin("POST", f"/orders/{ref}/transition", body)
