"""JSON views with Tango's field names: orders (§4.2, §5.2, §6), line items (§7.1, §7.2),
async orders (§7.7), accounts and customers (§14.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .lineitems import ineligible
from .records import totals_of
from .scenarios import SUCCESS_LINE_STATUSES
from .store import iso, money

if TYPE_CHECKING:
    from .app import Simulator


def _charged(totals: dict[str, Any]) -> dict[str, Any]:
    first = totals["first"]
    return {
        "value": money(totals["charged_cents"]),
        "currencyCode": first["charge_currency"],
        "exchangeRate": first["exchange_rate"],
        "fee": money(totals["fee_cents"]),
        "total": money(totals["total_cents"]),
    }


def _denomination(totals: dict[str, Any]) -> dict[str, Any]:
    first = totals["first"]
    same = totals["currencies"] == 1
    return {
        "value": money(totals["amount_cents"] if same else first["amount_cents"]),
        "currencyCode": first["reward_currency"],
        "exchangeRate": first["exchange_rate"],
    }


def line_charged(line: dict[str, Any]) -> dict[str, Any]:
    return _charged(totals_of([line]))


def reward_view(line: dict[str, Any]) -> dict[str, Any] | None:
    data = line["data"]
    if not data.get("credentialList"):
        return None
    return {
        "credentials": data.get("credentials"),
        "credentialList": data.get("credentialList"),
        "redemptionInstructions": data.get("redemptionInstructions"),
    }


def order_view(
    sim: Simulator,
    order: dict[str, Any],
    lines: list[dict[str, Any]],
    *,
    verbose: bool,
    duplicate: bool = False,
    totals: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """OrderViewVerbose (verbose=True, with reward) or OrderListItemView (no reward).
    ``totals`` (records.line_totals) replaces ``lines`` for lists."""
    data = order["data"]
    totals = totals or totals_of(lines)
    first = totals["first"]
    view: dict[str, Any] = {
        "referenceOrderID": order["ref"],
        "referenceLineItemID": first["ref"],
        "externalRefID": order["external_ref"],
        "customerIdentifier": order["customer"],
        "accountIdentifier": order["account"],
        "accountNumber": sim.account_number(order["account"]),
        "amountCharged": _charged(totals),
        "denomination": _denomination(totals),
        "utid": first["utid"],
        "ptid": None,
        "rewardName": first["reward_name"],
        "sender": data.get("sender"),
        "recipient": first["data"].get("recipient"),
        "emailSubject": data.get("emailSubject"),
        "message": data.get("message"),
        "sendEmail": first["delivery_method"] == "EMAIL",
        "deliveryMethod": first["delivery_method"],
        "etid": first["data"].get("etid"),
        "status": order["status"],
        "orderStatus": order["status"],
        "lineItemStatus": first["status"],
        "campaign": data.get("campaign"),
        "notes": data.get("notes"),
        "purchaseOrderNumber": data.get("purchaseOrderNumber"),
        "orderClientSource": order["source"],
        "orderSource": order["source"],
        "orderExternalRefIdDupe": duplicate,
        "createdAt": iso(order["created_us"]),
    }
    if order["source"] == "AA":
        view["asyncOrderEntity"] = async_entity(order)
        view["totalLineItems"] = totals["count"]
    if verbose:
        view["reward"] = reward_view(first)
        view["redemptionInstructions"] = first["data"].get("redemptionInstructions")
    return view


def line_item_view(
    sim: Simulator, line: dict[str, Any], order: dict[str, Any], *, verbose: bool
) -> dict[str, Any]:
    data = line["data"]
    now = sim.store.now_us()
    remaining = line["amount_cents"]
    if line["status"] not in SUCCESS_LINE_STATUSES or line["reward_status"] in (
        "REDEEMED",
        "CANCELLED",
    ):
        remaining = 0
    view: dict[str, Any] = {
        "referenceLineItemID": line["ref"],
        "externalReferenceLineItemID": line["external_line_ref"],
        "referenceOrderID": order["ref"],
        "externalRefID": order["external_ref"],
        "orderSource": order["source"],
        "status": line["status"],
        "orderStatus": order["status"],
        "emailStatus": line["email_status"],
        "deliveryMethod": line["delivery_method"],
        "deliveryStatus": line["delivery_status"],
        "rewardStatus": line["reward_status"],
        "canCancel": ineligible(sim, line, "cancel", now) is None,
        "canFreeze": ineligible(sim, line, "freeze", now) is None,
        "lineNumber": line["line_number"],
        "rewardName": line["reward_name"],
        "amountIssued": {
            "value": money(line["amount_cents"]),
            "currencyCode": line["reward_currency"],
        },
        "amountCharged": line_charged(line),
        "remainingBalance": money(remaining),
        "dateIssued": iso(line["created_us"]),
        "expirationDate": data.get("expirationDate"),
        "accountNumber": sim.account_number(line["account"]),
        "accountIdentifier": line["account"],
        "customerIdentifier": line["customer"],
        "etid": data.get("etid"),
        "ptid": None,
        "utid": line["utid"],
        "recipient": data.get("recipient"),
        "sender": data.get("sender") or order["data"].get("sender"),
        "purchaseOrderNumber": data.get("purchaseOrderNumber"),
        "campaign": data.get("campaign"),
        "orderNotes": data.get("notes"),
        "lineItemActionReason": data.get("lineItemActionReason"),
        "reissuedFromReferenceLineItemId": data.get("reissuedFromReferenceLineItemId"),
        "reissuedToReferenceLineItemId": data.get("reissuedToReferenceLineItemId"),
        "lineItemErrors": data.get("lineItemErrors", []),
        "quantity": 1,
    }
    if verbose:
        view["reward"] = reward_view(line)
        view["resendHistory"] = data.get("resendHistory", [])
        view["redemptionHistory"] = data.get("redemptionHistory", [])
        view["lineItemActionHistory"] = data.get("lineItemActionHistory", [])
        view["rewardViewHistory"] = data.get("rewardViewHistory", [])
    return view


def async_entity(order: dict[str, Any]) -> dict[str, Any]:
    data = order["data"]
    return {
        "externalRefID": order["external_ref"],
        "status": data.get("asyncStatus", "SUBMITTED"),
        "totalLineItems": data.get("totalLineItems", 0),
        "createdAt": iso(order["created_us"]),
        "failedLineItems": data.get("failedLineItems", []),
        "duplicateLineItemRefIds": data.get("duplicateLineItemRefIds", {}),
    }


def async_detail(
    sim: Simulator,
    order: dict[str, Any],
    lines: list[dict[str, Any]],
    *,
    totals: dict[str, Any] | None = None,
    pagination: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """AsyncOrderDetailView; ``lines`` is the page shown, ``totals`` cover every line."""
    data = order["data"]
    if totals is None and lines:
        totals = totals_of(lines)
    line_views = []
    for line in lines:
        line_views.append(
            {
                "referenceLineItemId": line["ref"],
                "externalRefLineItemID": line["external_line_ref"],
                "lineItemStatus": line["status"],
                "deliveryStatus": line["delivery_status"],
                "recipient": line["data"].get("recipient"),
                "bulkShipping": None,
                "deliveryMethod": line["delivery_method"],
                "rewardName": line["reward_name"],
                "quantity": 1,
                "amount": money(line["amount_cents"]),
                "amountCharged": line_charged(line),
                "scheduledDeliveryDate": None,
                "lineItemErrors": line["data"].get("lineItemErrors", []),
            }
        )
    charged = _charged(totals) if totals else {"currencyCode": None, "value": 0, "total": 0}
    return {
        "referenceOrderID": order["ref"],
        "externalRefID": order["external_ref"],
        "orderStatus": order["status"],
        "createdAt": iso(order["created_us"]),
        "completedAt": iso(order["completed_us"]),
        "customerIdentifier": order["customer"],
        "accountIdentifier": order["account"],
        "sender": data.get("sender"),
        "amountCharged": {
            "currencyCode": charged["currencyCode"],
            "value": charged["value"],
            "total": charged["total"],
            "shippingFee": 0.0,
        },
        "campaign": data.get("campaign"),
        "purchaseOrderNumber": data.get("purchaseOrderNumber"),
        "notes": data.get("notes"),
        "totalLineItems": data.get("totalLineItems", totals["count"] if totals else 0),
        "pagination": {
            "prevCursor": None,
            "nextCursor": None,
            "prevPageAvailable": False,
            "nextPageAvailable": False,
            "maxResults": 100,
            **(pagination or {}),
            "numberOfElements": len(line_views),
        },
        "orderErrors": [],
        "lineItems": line_views,
    }


def account_view(row: Any) -> dict[str, Any]:
    return {
        "accountIdentifier": row["identifier"],
        "accountNumber": row["account_number"],
        "displayName": row["display_name"],
        "currencyCode": row["currency"],
        "currentBalance": money(row["balance_cents"]),
        "status": row["status"],
        "createdAt": iso(row["created_us"]),
        "contactEmail": row["contact_email"],
        "fundingNotification": [{"emailAddress": row["contact_email"]}],
        "customerIdentifier": row["customer"],
    }


def customer_view(row: Any, accounts: list[Any]) -> dict[str, Any]:
    return {
        "customerIdentifier": row["identifier"],
        "displayName": row["display_name"],
        "status": row["status"],
        "createdAt": iso(row["created_us"]),
        "accounts": [
            {
                "accountIdentifier": a["identifier"],
                "accountNumber": a["account_number"],
                "displayName": a["display_name"],
                "currencyCode": a["currency"],
                "currentBalance": money(a["balance_cents"]),
                "status": a["status"],
                "createdAt": iso(a["created_us"]),
            }
            for a in accounts
        ],
    }
