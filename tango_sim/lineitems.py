"""Line-item actions (cancel / freeze / unfreeze / PATCH) and resends (§7.3, §7.4, §8.1)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import ledger
from .errors import (
    ACTION_BAD_STATUS,
    ACTION_NOT_CHOICE,
    ACTION_WINDOW_PASSED,
    FIELD_ENUM,
    FIELD_PATTERN,
    FIELD_REQUIRED,
    RESEND_BAD_STATUS,
    RESEND_NOT_ALLOWED,
    RESEND_PHYSICAL,
    RESEND_THROTTLED,
    ApiError,
    FieldError,
    field_errors,
)
from .records import get_order, save_line
from .scenarios import (
    BOUNCE,
    EMAIL_DELIVERED_AFTER,
    add_timer,
    drop_timers,
    reward_webhook,
    set_reward_status,
)
from .seed import find_item
from .store import HOUR, US, iso

if TYPE_CHECKING:
    from .app import Simulator

REASON_CODES: dict[str, tuple[str, ...]] = {
    "cancel": (
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
    ),
    "freeze": ("DELIVERY_INFO", "REWARD_AMOUNT", "REWARD_TYPE", "VERIFY_ORDER", "FRAUD", "OTHER"),
    "unfreeze": ("DELIVERY_INFO", "REWARD_AMOUNT", "REWARD_TYPE", "VERIFY_ORDER", "FRAUD", "OTHER"),
}
RESEND_REASON_CODES = (
    "NOT_RECEIVED",
    "LOST_DELETED",
    "DELIVERY_INFO",
    "DELIVERY_METHOD",
    "REMINDER",
    "OTHER",
)
RESEND_METHODS = ("NONE", "EMAIL", "PHONE", "WHATSAPP")
PAST = {"cancel": "cancelled", "freeze": "frozen", "unfreeze": "unfrozen", "reissue": "reissued"}
FREEZE_HOURS = 48
CAMPAIGN_RE = re.compile(r"^[a-zA-Z0-9 ]{0,100}$")


def _days_since_issue(line: dict[str, Any], now: int) -> int:
    issued = datetime.fromtimestamp(line["created_us"] / US, tz=UTC).date()
    today = datetime.fromtimestamp(now / US, tz=UTC).date()
    return (today - issued).days


def window_days(sim: Simulator, line: dict[str, Any]) -> int:
    """The cancel / freeze / reissue window of the line's program: ``action_windows`` keyed by
    account, then by customer, else ``action_window_days`` (5 by default)."""
    windows = sim.config["action_windows"] or {}
    for program in (line["account"], line["customer"]):
        if program in windows:
            return int(windows[program])
    return int(sim.config["action_window_days"])


def ineligible(sim: Simulator, line: dict[str, Any], action: str, now: int) -> ApiError | None:
    """Why ``action`` (cancel|freeze|unfreeze|reissue) is not allowed now, or None."""
    done = PAST.get(action, f"{action}ed")
    item = find_item(line["utid"])
    if item is None or not item.choice:
        return ApiError(
            403,
            ACTION_NOT_CHOICE,
            f"Only Choice Products can be {done}; {line['utid']} is not one",
        )
    if line["status"] != "COMPLETE":
        return ApiError(
            403,
            ACTION_BAD_STATUS,
            f"Cannot {action} reward with status {line['status']}",
            tokens=[line["status"]],
        )
    reward = line["reward_status"]
    allowed = ("FROZEN",) if action == "unfreeze" else ("ACTIVE", "FROZEN")
    if reward not in allowed:
        return ApiError(
            403,
            ACTION_BAD_STATUS,
            f"Cannot {action} reward with status {reward}",
            tokens=[str(reward)],
        )
    days = window_days(sim, line)
    if action != "unfreeze" and _days_since_issue(line, now) > days:
        return ApiError(
            403,
            ACTION_WINDOW_PASSED,
            f"Rewards can only be {done} within {days} calendar days of issue",
            tokens=[str(days)],
        )
    return None


def check_reason(
    body: dict[str, Any], codes: tuple[str, ...], *, required: bool
) -> tuple[Any, Any]:
    code, other = body.get("reasonCode"), body.get("otherReason")
    errors: list[FieldError] = []
    if code is None:
        if required:
            errors.append(FieldError("reasonCode", FIELD_REQUIRED, "may not be null"))
    elif code not in codes:
        errors.append(
            FieldError("reasonCode", FIELD_ENUM, f"must be one of {', '.join(codes)}", code, "Enum")
        )
    elif code == "OTHER" and not (isinstance(other, str) and other.strip()):
        errors.append(
            FieldError(
                "otherReason",
                FIELD_REQUIRED,
                "otherReason is required when reasonCode is OTHER",
                other,
            )
        )
    if other is not None and (not isinstance(other, str) or len(other) > 250):
        errors.append(
            FieldError("otherReason", FIELD_PATTERN, "must be a string of at most 250", other)
        )
    if errors:
        raise field_errors(errors)
    return code, other


def cancel_reward(sim: Simulator, line: dict[str, Any], now: int) -> None:
    """Cancel (also the first half of a reissue): value refunded, fees kept (§7.3)."""
    ledger.refund_line(sim, line, line["charged_cents"])
    line["status"] = "CANCELLED"
    line["frozen_until_us"] = None
    set_reward_status(sim, line, "CANCELLED", now)
    drop_timers(sim, line["id"], ("unfreeze", "dispatch", "deliver", "return"))


def act(sim: Simulator, line: dict[str, Any], action: str, body: dict[str, Any]) -> str:
    """POST /lineItems/{id}/cancel|freeze|unfreeze -> 202 "Accepted"."""
    code, other = check_reason(body, REASON_CODES[action], required=True)
    now = sim.store.now_us()
    problem = ineligible(sim, line, action, now)
    if problem is not None:
        raise problem
    history = line["data"].setdefault("lineItemActionHistory", [])
    history.append(
        {
            "action": action.upper(),
            "reason": other or code,
            "actionDate": iso(now),
            "oldReferenceLineItemId": None,
            "newReferenceLineItemId": None,
        }
    )
    line["data"]["lineItemActionReason"] = other or code
    if action == "cancel":
        cancel_reward(sim, line, now)
        status = "CANCELLED"
    elif action == "freeze":
        line["frozen_until_us"] = now + FREEZE_HOURS * HOUR
        if line["reward_status"] != "FROZEN":
            set_reward_status(sim, line, "FROZEN", now)
        add_timer(sim, line["id"], "unfreeze", line["frozen_until_us"])
        status = "FROZEN"
    else:
        line["frozen_until_us"] = None
        set_reward_status(sim, line, "ACTIVE", now)
        drop_timers(sim, line["id"], ("unfreeze",))
        status = "UNFROZEN"
    save_line(sim.store, line)
    reward_webhook(sim, line, action.upper(), code, other, status, now)
    return "Accepted"


def patch(sim: Simulator, line: dict[str, Any], body: dict[str, Any]) -> str:
    """PATCH /lineItems/{id}: purchaseOrderNumber, campaign, orderNotes -> 202."""
    errors: list[FieldError] = []
    campaign, notes = body.get("campaign"), body.get("orderNotes")
    if campaign is not None and (not isinstance(campaign, str) or not CAMPAIGN_RE.match(campaign)):
        errors.append(
            FieldError(
                "campaign", FIELD_PATTERN, "must match ^[a-zA-Z0-9 ]{0,100}$", campaign, "Pattern"
            )
        )
    if notes is not None and (not isinstance(notes, str) or len(notes) > 150):
        errors.append(
            FieldError("orderNotes", FIELD_PATTERN, "size must be between 0 and 150", notes, "Size")
        )
    if errors:
        raise field_errors(errors)
    for key, field in (
        ("purchaseOrderNumber", "purchaseOrderNumber"),
        ("campaign", "campaign"),
        ("orderNotes", "notes"),
    ):
        if key in body:
            line["data"][field] = body[key]
    save_line(sim.store, line)
    return "Accepted"


def resend(
    sim: Simulator, line: dict[str, Any], body: dict[str, Any], *, order_level: bool
) -> dict[str, Any]:
    """Re-deliver one line item; returns ResendOrderView or ResendView."""
    mobile_key = "newMobile" if order_level else "newMobileNumber"
    new_method = body.get("newDeliveryMethod")
    errors: list[FieldError] = []
    if new_method is not None and new_method not in RESEND_METHODS:
        errors.append(
            FieldError(
                "newDeliveryMethod",
                FIELD_ENUM,
                f"must be one of {', '.join(RESEND_METHODS)}",
                new_method,
                "Enum",
            )
        )
    for key in ("newEmail", mobile_key, "newEtid"):
        if body.get(key) is not None and not isinstance(body[key], str):
            errors.append(FieldError(key, FIELD_PATTERN, "must be a string", body[key]))
    if errors:
        raise field_errors(errors)
    code, other = (None, None)
    if not order_level:
        code, other = check_reason(body, RESEND_REASON_CODES, required=False)
    now = sim.store.now_us()
    method = line["delivery_method"]
    if line["status"] != "COMPLETE":
        raise ApiError(
            403,
            RESEND_BAD_STATUS,
            f"Cannot resend reward with status {line['status']}",
            tokens=[line["status"]],
        )
    if method in ("ADDRESS", "BULKSHIPMENT"):
        raise ApiError(403, RESEND_PHYSICAL, "Rewards delivered by mail cannot be resent")
    if method == "NONE" and not sim.config["resend_none_allowed"]:
        raise ApiError(
            403,
            RESEND_NOT_ALLOWED,
            "Cannot resend an order that was placed with deliveryMethod NONE",
        )
    throttle = int(sim.config["resend_throttle_seconds"]) * US
    last = line["last_resend_us"]
    if last is not None and now - last < throttle:
        seconds = str(throttle // US)
        raise ApiError(
            403,
            RESEND_THROTTLED,
            f"Cannot send more than once every {seconds} seconds. Last sent at {iso(last)}",
            tokens=[seconds, str(iso(last))],
        )
    recipient = dict(line["data"].get("recipient") or {})
    email = body.get("newEmail") or recipient.get("email")
    mobile = body.get(mobile_key) or recipient.get("mobileNumber")
    target = new_method or ("EMAIL" if method in ("NONE",) and email else method)
    line["last_resend_us"] = now
    if target == "EMAIL":
        if line["scenario"] == BOUNCE and not body.get("newEmail"):
            line["email_status"] = "BOUNCE"
        else:
            line["email_status"] = "SENT"
            line["delivery_status"] = "DELIVERED"
            drop_timers(sim, line["id"], ("email_delivered",))
            add_timer(sim, line["id"], "email_delivered", now + EMAIL_DELIVERED_AFTER)
    elif target in ("PHONE", "WHATSAPP"):
        line["delivery_status"] = "DELIVERED"
    resend_id = sim.store.next_counter("resend", 957800)
    order = get_order(sim.store, line["order_id"])
    line["data"].setdefault("resendHistory", []).append(
        {
            "dateIssued": iso(now),
            "sender": (order or {}).get("data", {}).get("sender") or line["data"].get("sender"),
            "recipient": {"email": email, "mobileNumber": mobile},
            "deliveryMethod": target,
            "deliveryStatus": line["delivery_status"],
            "etid": body.get("newEtid") or line["data"].get("etid"),
            "reasonCode": code,
            "otherReason": other,
        }
    )
    save_line(sim.store, line)
    view: dict[str, Any] = {
        "id": resend_id,
        "legacyId": None,
        "createdAt": iso(now),
        "email": email,
        "mobileNumber": mobile,
    }
    if not order_level:
        view.update(deliveryMethod=target, reasonCode=code, otherReason=other)
    return view
