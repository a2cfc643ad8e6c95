"""POST /lineItems/{referenceLineItemID}/reissue (TANGO_API.md §7.3).

Body (``ReissueLineItemRequestCriteria``): ``reasonCode`` (required; the CANCEL_AND_REISSUE
codes), ``otherReason`` (required with OTHER), and optionally ``amount`` (new face value, same
currency), ``deliveryMethod`` (NONE, EMAIL, PHONE, EMBEDDED, EMBEDDED_COMPONENT, WHATSAPP,
BULKDIGITAL), ``recipient`` {firstName, lastName, email, mobileNumber} (merged over the
original recipient) and ``notes`` (<= 150).

One transaction: the original line item is cancelled exactly like ``/cancel`` (value refunded,
fees kept, rewardStatus CANCELLED), then a new order (source RA, new referenceOrderID, same utid
and account) is created and debited like POST /orders; its line item follows the scenario cents
of the new amount. The two are linked by ``reissuedToReferenceLineItemId`` /
``reissuedFromReferenceLineItemId`` and by a ``REISSUE`` entry in both line items'
``lineItemActionHistory``. A RewardStatus webhook reports the cancel (action CANCEL, status
CANCELLED, type REISSUE, newReferenceLineItemId = the new line item). Answers 201 with the new
order's OrderViewSummary. Errors: 400 (field errors), 403.018 not a Choice Product, 403.010 wrong
line/reward status, 403.019 window passed (same window as cancel / freeze), 403.022 the reward
was already reissued 5 times (counted along the chain of reissues), 422 rules of the new reward
(amount range, recipient for the delivery method...), 422.053 account not ACTIVE, 402.001 the
balance (after the refund) does not cover the new order; on any error nothing changes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import errors as E
from .errors import ApiError, FieldError, field_errors
from .lineitems import REASON_CODES, cancel_reward, check_reason, ineligible
from .orders import charge_for, check_account, check_funds, insert_line, insert_order
from .records import get_order, lines_for_order, save_line
from .scenarios import reward_webhook, settle_order
from .store import iso
from .validation import check_line_fields, check_line_rules, check_string, parse_object, plain
from .views import order_view

if TYPE_CHECKING:
    from .app import Simulator

REISSUE_REASON_CODES: tuple[str, ...] = (*REASON_CODES["cancel"][:6], "OTHER")
REISSUE_METHODS = (
    "NONE",
    "EMAIL",
    "PHONE",
    "EMBEDDED",
    "EMBEDDED_COMPONENT",
    "WHATSAPP",
    "BULKDIGITAL",
)
RECIPIENT_KEYS = ("firstName", "lastName", "email", "mobileNumber")
MAX_REISSUES = 5
REISSUE_LIMIT = "403.022"
CARRIED = ("sender", "campaign", "purchaseOrderNumber", "emailSubject", "message")


def _check_body(body: dict[str, Any]) -> tuple[Any, Any, str | None, dict[str, Any] | None]:
    code, other = check_reason(body, REISSUE_REASON_CODES, required=True)
    errors: list[FieldError] = []
    method = body.get("deliveryMethod")
    if method is not None and method not in REISSUE_METHODS:
        errors.append(
            FieldError(
                "deliveryMethod",
                E.FIELD_ENUM,
                f"must be one of {', '.join(REISSUE_METHODS)}",
                plain(method),
                "Enum",
            )
        )
    recipient = body.get("recipient")
    if recipient is not None and not isinstance(recipient, dict):
        errors.append(
            FieldError("recipient", E.FIELD_TYPE, "must be an object", plain(recipient), "Type")
        )
        recipient = None
    check_string(body, "notes", errors, max_len=150)
    if errors:
        raise field_errors(errors)
    return code, other, method, recipient


def _new_spec(line: dict[str, Any], body: dict[str, Any], method: str, recipient: Any) -> Any:
    """The new reward, validated with the POST /orders rules (400 shape, 422 business)."""
    merged = dict(line["data"].get("recipient") or {})
    for key in RECIPIENT_KEYS:
        if recipient and key in recipient:
            merged[key] = recipient[key]
    amount = body.get("amount")
    synthetic = {
        "utid": line["utid"],
        "amount": Decimal(line["amount_cents"]) / 100 if amount is None else amount,
        # BULKDIGITAL needs no recipient channel; validate it like NONE.
        "deliveryMethod": "NONE" if method == "BULKDIGITAL" else method,
        "recipient": {k: v for k, v in merged.items() if v is not None} or None,
        "etid": line["data"].get("etid"),
    }
    errors: list[FieldError] = []
    parts = check_line_fields(synthetic, errors)
    if errors:
        raise field_errors(errors)
    spec = check_line_rules(parts)
    spec.delivery_method = method
    spec.email_subject = line["data"].get("emailSubject")
    spec.message = line["data"].get("message")
    return spec


def reissue(sim: Simulator, line: dict[str, Any], raw: bytes) -> tuple[int, dict[str, Any]]:
    body = parse_object(raw)
    code, other, method, recipient = _check_body(body)
    now = sim.store.now_us()
    problem = ineligible(sim, line, "reissue", now)
    if problem is not None:
        raise problem
    count = int(line["data"].get("reissueCount") or 0)
    if count >= MAX_REISSUES:
        raise ApiError(
            403,
            REISSUE_LIMIT,
            f"A reward can be reissued at most {MAX_REISSUES} times",
            tokens=[str(MAX_REISSUES)],
        )
    spec = _new_spec(line, body, method or line["delivery_method"], recipient)
    account = check_account(sim, line["customer"], line["account"])
    original = get_order(sim.store, line["order_id"]) or {"data": {}}
    cancel_reward(sim, line, now)  # refund first: the new order may use the refunded value
    check_funds(sim, line["account"], charge_for(spec, account["currency"])["total_cents"])
    notes = body.get("notes") or line["data"].get("notes") or original["data"].get("notes")
    carried = {key: line["data"].get(key) or original["data"].get(key) for key in CARRIED}
    data = {**carried, "notes": notes, "deliveryMethod": spec.delivery_method}
    data["reissuedFromReferenceLineItemId"] = line["ref"]
    order_id, order_ref = insert_order(sim, "RA", account, None, data, now)
    new_ref = f"{order_ref}-1"
    entry = {
        "action": "REISSUE",
        "reason": other or code,
        "actionDate": iso(now),
        "oldReferenceLineItemId": line["ref"],
        "newReferenceLineItemId": new_ref,
    }
    insert_line(
        sim,
        order_id=order_id,
        order_ref=order_ref,
        line_number=1,
        spec=spec,
        account=account,
        now=now,
        extra={
            **carried,
            "notes": notes,
            "reissuedFromReferenceLineItemId": line["ref"],
            "reissueCount": count + 1,
            "lineItemActionHistory": [dict(entry)],
        },
    )
    settle_order(sim, order_id, now)
    line["data"].setdefault("lineItemActionHistory", []).append(entry)
    line["data"]["lineItemActionReason"] = other or code
    line["data"]["reissuedToReferenceLineItemId"] = new_ref
    save_line(sim.store, line)
    reward_webhook(
        sim, line, "CANCEL", code, other, "CANCELLED", now, reward_type="REISSUE", new_ref=new_ref
    )
    sim.stats.incr("reissues")
    order = get_order(sim.store, order_id)
    assert order is not None
    return 201, order_view(sim, order, lines_for_order(sim.store, order_id), verbose=True)
