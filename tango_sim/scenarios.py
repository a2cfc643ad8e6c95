"""Scenario rules: the fractional cents of ``amount`` choose a line item's fate.

All time-based transitions are timers in the ``timers`` table, applied lazily in due order
against the simulated clock at the start of every request (``apply_due``). The full table is
in tango_sim/README.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import ledger
from .records import (
    get_line,
    get_order,
    lines_for_order,
    save_line,
    save_order,
)
from .seed import find_item, redemption_instructions
from .store import DAY, HOUR, MINUTE, dumps, iso

if TYPE_CHECKING:
    from .app import Simulator


@dataclass(frozen=True)
class Scenario:
    hold: str | None = None  # order status while the line waits
    settle: str | None = None  # "complete" | "fail" when the timer fires
    delay_us: int = 0
    final: str | None = None  # FAILED | CANCELLED | DELETED right away


SCENARIOS: dict[int, Scenario] = {
    11: Scenario(hold="PENDING", settle="complete", delay_us=HOUR),
    12: Scenario(hold="QUEUED", settle="complete", delay_us=10 * MINUTE),
    13: Scenario(hold="PENDING_MR"),
    14: Scenario(hold="ON_HOLD"),  # released by /__sim/accounts/{a}/fund
    15: Scenario(hold="PENDING_KYB"),
    16: Scenario(hold="PENDING_PAYMENT", settle="complete", delay_us=2 * HOUR),
    17: Scenario(final="FAILED"),
    18: Scenario(hold="PENDING", settle="fail", delay_us=HOUR),
    19: Scenario(final="CANCELLED"),
    20: Scenario(final="DELETED"),
}
BOUNCE, RETURNED, REDEEMED = 21, 22, 23
EMAIL_DELIVERED_AFTER = 5 * MINUTE
DISPATCHED_AFTER, DELIVERED_AFTER, RETURNED_AFTER = DAY, 3 * DAY, 5 * DAY
SUCCESS_LINE_STATUSES = ("COMPLETE", "RETURNED")
SETTLED_ORDER_STATUSES = ("COMPLETE", "FAILED", "PARTIAL", "CANCELLED", "DELETED")


def scenario_of(amount_cents: int) -> int:
    return amount_cents % 100


# -- timers ---------------------------------------------------------------------------------


def add_timer(sim: Simulator, line_id: int, kind: str, due_us: int, **data: Any) -> None:
    sim.store.execute(
        "INSERT INTO timers(due_us, kind, line_item_id, data) VALUES(?,?,?,?)",
        (due_us, kind, line_id, dumps(data)),
    )


def drop_timers(sim: Simulator, line_id: int, kinds: tuple[str, ...]) -> None:
    marks = ",".join("?" * len(kinds))
    sim.store.execute(
        f"DELETE FROM timers WHERE line_item_id = ? AND kind IN ({marks})",  # noqa: S608
        (line_id, *kinds),
    )


def apply_due(sim: Simulator) -> int:
    """Fire every timer due at the simulated now, oldest first; returns how many fired."""
    store = sim.store
    now = store.now_us()
    fired = 0
    while True:
        timer = store.one(
            "SELECT * FROM timers WHERE due_us <= ? ORDER BY due_us, id LIMIT 1", (now,)
        )
        if timer is None:
            return fired
        store.execute("DELETE FROM timers WHERE id = ?", (timer["id"],))
        line = get_line(store, timer["line_item_id"])
        if line is not None:
            _fire(sim, timer["kind"], line, int(timer["due_us"]))
        fired += 1


def _fire(sim: Simulator, kind: str, line: dict[str, Any], at: int) -> None:
    if kind == "complete" and line["status"] == "PENDING":
        complete_line(sim, line, at)
        settle_order(sim, line["order_id"], at)
    elif kind == "fail" and line["status"] == "PENDING":
        end_line(sim, line, "FAILED", at)
        settle_order(sim, line["order_id"], at)
    elif kind == "email_delivered" and line["email_status"] == "SENT":
        line["email_status"] = "DELIVERED"
        save_line(sim.store, line)
    elif kind == "dispatch" and line["delivery_status"] == "PROCESSING":
        line["delivery_status"] = "DISPATCHED"
        save_line(sim.store, line)
        _delivery_webhook(sim, line, "SHIPPED", at)
    elif kind == "deliver" and line["delivery_status"] == "DISPATCHED":
        line["delivery_status"] = "DELIVERED"
        save_line(sim.store, line)
        _delivery_webhook(sim, line, "COMPLETED", at)
    elif kind == "return" and line["status"] == "COMPLETE":
        line["status"] = "RETURNED"
        line["delivery_status"] = "FAILED"
        save_line(sim.store, line)
        if line["delivery_method"] == "ADDRESS":
            _delivery_webhook(sim, line, "FAILED", at)
    elif kind == "unfreeze" and line["reward_status"] == "FROZEN" and line["frozen_until_us"] == at:
        set_reward_status(sim, line, "ACTIVE", at)
        line["frozen_until_us"] = None
        save_line(sim.store, line)
        reward_webhook(
            sim,
            line,
            "UNFREEZE",
            "AUTO_UNFREEZE",
            "auto-unfreeze after 48 hours",
            "UNFROZEN",
            at,
        )


# -- line transitions ----------------------------------------------------------------------


def start_line(sim: Simulator, line: dict[str, Any], at: int) -> None:
    """Apply the scenario of a freshly inserted (PENDING, already debited) line item."""
    scenario = SCENARIOS.get(line["scenario"])
    if scenario is None:
        complete_line(sim, line, at)
    elif scenario.final is not None:
        end_line(sim, line, scenario.final, at)
    else:
        hold_line(sim, line, scenario.hold or "PENDING")
        if scenario.settle is not None:
            add_timer(sim, line["id"], scenario.settle, at + scenario.delay_us)


def hold_line(sim: Simulator, line: dict[str, Any], hold: str) -> None:
    line["status"] = "PENDING"
    line["hold"] = hold
    line["email_status"] = "PENDING" if line["delivery_method"] == "EMAIL" else None
    line["delivery_status"] = "PENDING" if line["delivery_method"] != "NONE" else None
    line["reward_status"] = None
    line["completed_us"] = None
    line["data"]["credentials"] = None
    line["data"]["credentialList"] = None
    save_line(sim.store, line)


def complete_line(sim: Simulator, line: dict[str, Any], at: int) -> None:
    method = line["delivery_method"]
    line["status"] = "COMPLETE"
    line["hold"] = None
    line["completed_us"] = at
    issue_credentials(sim, line)
    set_reward_status(sim, line, "REDEEMED" if line["scenario"] == REDEEMED else "ACTIVE", at)
    line["email_status"] = None
    line["delivery_status"] = None if method == "NONE" else "DELIVERED"
    if method == "EMAIL":
        line["email_status"] = "SENT"
        add_timer(sim, line["id"], "email_delivered", at + EMAIL_DELIVERED_AFTER)
    if method == "ADDRESS":
        line["delivery_status"] = "PROCESSING"
        add_timer(sim, line["id"], "dispatch", at + DISPATCHED_AFTER)
        if line["scenario"] != RETURNED:
            add_timer(sim, line["id"], "deliver", at + DELIVERED_AFTER)
    if line["scenario"] == BOUNCE:
        drop_timers(sim, line["id"], ("email_delivered",))
        line["email_status"] = "BOUNCE" if method == "EMAIL" else None
        line["delivery_status"] = "FAILED"
    if line["scenario"] == RETURNED:
        add_timer(sim, line["id"], "return", at + RETURNED_AFTER)
    save_line(sim.store, line)
    if method == "ADDRESS":
        _delivery_webhook(sim, line, "IN_PROGRESS", at)


def end_line(sim: Simulator, line: dict[str, Any], status: str, at: int) -> None:
    """FAILED / CANCELLED (refunded) or DELETED (kept charged) before any reward exists."""
    line["status"] = status
    line["hold"] = None
    if status in ("FAILED", "CANCELLED"):
        ledger.refund_line(sim, line)
    if status == "FAILED":
        line["email_status"] = "NOT_DELIVERED" if line["delivery_method"] == "EMAIL" else None
        line["delivery_status"] = "FAILED"
    elif line["completed_us"] is None:
        line["email_status"] = None
        line["delivery_status"] = None
    if line["reward_status"] is not None and status in ("CANCELLED", "DELETED"):
        set_reward_status(sim, line, "CANCELLED", at)
    elif line["completed_us"] is None:
        line["reward_status"] = None
    save_line(sim.store, line)
    drop_timers(sim, line["id"], ("complete", "fail", "dispatch", "deliver", "email_delivered"))
    if line["delivery_method"] == "ADDRESS":
        _delivery_webhook(sim, line, "FAILED" if status == "FAILED" else "CANCELED", at)


def set_reward_status(sim: Simulator, line: dict[str, Any], status: str, at: int) -> None:
    line["reward_status"] = status
    line["data"].setdefault("rewardViewHistory", []).append({"date": iso(at), "status": status})


def issue_credentials(sim: Simulator, line: dict[str, Any]) -> None:
    item = find_item(line["utid"])
    token = hashlib.sha256(f"{sim.settings.platform_name}:{line['ref']}".encode()).hexdigest()
    if item is not None and item.choice:
        url = f"https://rewards.sim.example/r/{token[:24]}"
        credentials = {"Redemption Link": url}
        credential_list = [
            {
                "label": "Redemption Link",
                "value": url,
                "type": "url",
                "credentialType": "redemptionUrl",
            },
        ]
    else:
        number = str(int(token[:30], 16))[:16].rjust(16, "6")
        pin = str(int(token[30:40], 16))[-4:].rjust(4, "0")
        credentials = {"Card Number": number, "PIN": pin}
        credential_list = [
            {
                "label": "Card Number",
                "value": number,
                "type": "text",
                "credentialType": "cardNumber",
            },
            {"label": "PIN", "value": pin, "type": "text", "credentialType": "PIN"},
        ]
    line["data"]["credentials"] = credentials
    line["data"]["credentialList"] = credential_list
    line["data"]["redemptionInstructions"] = (
        redemption_instructions(item) if item is not None else ""
    )


def _delivery_webhook(sim: Simulator, line: dict[str, Any], status: str, at: int) -> None:
    sim.webhooks.emit(
        "LineItemDeliveryStatus", {"referenceLineItemId": line["ref"], "status": status}, at
    )


def reward_webhook(
    sim: Simulator,
    line: dict[str, Any],
    action: str,
    reason_code: str | None,
    reason: str | None,
    status: str,
    at: int,
    *,
    reward_type: str = "REWARD",
    new_ref: str | None = None,
) -> None:
    order = get_order(sim.store, line["order_id"])
    sim.webhooks.emit(
        "RewardStatus",
        {
            "referenceLineItemId": line["ref"],
            "externalRefID": order["external_ref"] if order else None,
            "action": action,
            "reasonCode": reason_code,
            "reason": reason,
            "status": status,
            "type": reward_type,
            "newReferenceLineItemId": new_ref,
        },
        at,
    )


# -- order status ---------------------------------------------------------------------------


def derive_status(lines: list[dict[str, Any]]) -> str:
    pending = [line for line in lines if line["status"] == "PENDING"]
    if pending:
        return pending[0]["hold"] or "PENDING"
    statuses = {line["status"] for line in lines}
    if len(statuses) == 1:
        only = statuses.pop()
        return "COMPLETE" if only in SUCCESS_LINE_STATUSES else only
    ok = sum(1 for line in lines if line["status"] in SUCCESS_LINE_STATUSES)
    if ok == len(lines):
        return "COMPLETE"
    return "FAILED" if ok == 0 else "PARTIAL"


def settle_order(sim: Simulator, order_id: int, at: int, forced: str | None = None) -> None:
    """Recompute (or force) the order status; announce settled async orders once."""
    order = get_order(sim.store, order_id)
    assert order is not None
    lines = lines_for_order(sim.store, order_id)
    order["status"] = forced or derive_status(lines)
    settled = order["status"] in SETTLED_ORDER_STATUSES  # unknown vocabulary: not settled
    if settled and order["completed_us"] is None:
        order["completed_us"] = at
    if order["source"] == "AA" and settled and not order["announced"]:
        order["announced"] = 1
        failed = sum(1 for line in lines if line["status"] not in SUCCESS_LINE_STATUSES)
        failed += len(order["data"].get("failedLineItems", []))
        total = len(lines) + len(order["data"].get("failedLineItems", []))
        status = {"COMPLETE": "SUCCESSFUL", "PARTIAL": "PARTIALFAILED"}.get(order["status"])
        sim.webhooks.emit(
            "AsyncOrderStatus",
            {
                "externalRefID": order["external_ref"],
                "status": status or "FAILED",
                "totalLineItems": total,
                "failedLineItems": failed,
                "successfulLineItems": total - failed,
                "referenceOrderId": order["ref"],
                "accountIdentifier": order["account"],
                "customerIdentifier": order["customer"],
            },
            at,
        )
    save_order(sim.store, order)
