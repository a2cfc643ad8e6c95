"""POST /orders (§4) with externalRefID idempotency per account (§11), plus shared helpers
to insert line items and compute what an account is charged."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import errors as E
from . import ledger, scenarios
from .errors import ApiError, FieldError, field_errors
from .records import get_account, get_customer, get_line, get_order, lines_for_order
from .seed import EXCHANGE_RATES
from .store import US, dumps
from .validation import (
    LineSpec,
    check_identity,
    check_line_fields,
    check_line_rules,
    check_sender,
    check_string,
    parse_object,
    plain,
)
from .views import order_view

if TYPE_CHECKING:
    from .app import Simulator


LINE_COPIED = ("sender", "campaign", "purchaseOrderNumber", "notes", "emailSubject", "message")


def format_order_ref(source: str, now: int, seq: int) -> str:
    """``RA260506-1401-64``: source, UTC date of creation, sequence, a check-like suffix."""
    day = datetime.fromtimestamp(now / US, tz=UTC).strftime("%y%m%d")
    return f"{source}{day}-{seq}-{(seq * 37 + 11) % 90 + 10}"


def new_order_ref(sim: Simulator, source: str, now: int) -> str:
    return format_order_ref(source, now, sim.store.next_counter("order_seq", 1001))


def insert_order(
    sim: Simulator,
    source: str,
    account: dict[str, Any],
    external_ref: str | None,
    data: dict[str, Any],
    now: int,
) -> tuple[int, str]:
    """Insert a PENDING order row; returns (id, referenceOrderID)."""
    order_ref = new_order_ref(sim, source, now)
    cursor = sim.store.execute(
        "INSERT INTO orders(ref, source, customer, account, external_ref, status, created_us,"
        " data) VALUES(?,?,?,?,?,?,?,?)",
        (
            order_ref,
            source,
            account["customer"],
            account["identifier"],
            external_ref,
            "PENDING",
            now,
            dumps(data),
        ),
    )
    return int(cursor.lastrowid or 0), order_ref


def charge_for(spec: LineSpec, account_currency: str) -> dict[str, Any]:
    rate = EXCHANGE_RATES[(spec.item.currency, account_currency)]
    charged = round(spec.amount_cents * rate)
    fee = spec.item.fee_cents(charged)
    return {
        "charged_cents": charged,
        "fee_cents": fee,
        "total_cents": charged + fee,
        "exchange_rate": rate,
        "charge_currency": account_currency,
    }


def check_account(sim: Simulator, customer_id: str, account_id: str) -> dict[str, Any]:
    customer = get_customer(sim.store, customer_id)
    if customer is None or customer["status"] != "ACTIVE":
        raise ApiError(
            404,
            E.CUSTOMER_NOT_FOUND,
            f"Customer '{customer_id}' not found or not active",
            tokens=[customer_id],
        )
    account = get_account(sim.store, account_id)
    if account is None or account["customer"] != customer_id:
        raise ApiError(
            404,
            E.ACCOUNT_NOT_FOUND,
            f"Account '{account_id}' not found under customer '{customer_id}'",
            tokens=[account_id, customer_id],
        )
    if account["status"] != "ACTIVE":
        raise ApiError(
            422,
            E.ACCOUNT_INACTIVE,
            f"Account '{account_id}' is not ACTIVE ({account['status']})",
            tokens=[account_id],
        )
    return account


def check_funds(sim: Simulator, account_id: str, total_cents: int) -> None:
    account = get_account(sim.store, account_id)
    assert account is not None
    if account["balance_cents"] < total_cents:
        raise ApiError(
            402,
            E.INSUFFICIENT_FUNDS,
            f"Insufficient funds in account '{account_id}'",
            tokens=[account_id],
        )


def insert_line(
    sim: Simulator,
    *,
    order_id: int,
    order_ref: str,
    line_number: int,
    spec: LineSpec,
    account: dict[str, Any],
    now: int,
    external_line_ref: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Insert a PENDING line item, debit the account, then apply its scenario."""
    charge = charge_for(spec, account["currency"])
    data = {
        "recipient": spec.recipient,
        "etid": spec.etid,
        "emailSubject": spec.email_subject,
        "message": spec.message,
        "notes": spec.note,
        "credentials": None,
        "credentialList": None,
        "resendHistory": [],
        "lineItemActionHistory": [],
        "rewardViewHistory": [],
        "lineItemErrors": [],
        **(extra or {}),
    }
    recipient_email = (spec.recipient or {}).get("email")
    cursor = sim.store.execute(
        "INSERT INTO line_items(ref, order_id, line_number, external_line_ref, customer, account,"
        " utid, reward_name, delivery_method, recipient_email, status, hold, scenario,"
        " amount_cents, reward_currency, charged_cents, fee_cents, total_cents, charge_currency,"
        " exchange_rate, created_us, data)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,'PENDING','PENDING',?,?,?,?,?,?,?,?,?,?)",
        (
            f"{order_ref}-{line_number}",
            order_id,
            line_number,
            external_line_ref,
            account["customer"],
            account["identifier"],
            spec.item.utid,
            spec.item.reward_name,
            spec.delivery_method,
            recipient_email,
            scenarios.scenario_of(spec.amount_cents),
            spec.amount_cents,
            spec.item.currency,
            charge["charged_cents"],
            charge["fee_cents"],
            charge["total_cents"],
            charge["charge_currency"],
            charge["exchange_rate"],
            now,
            dumps(data),
        ),
    )
    ledger.debit(sim, account["identifier"], charge["total_cents"], now)
    line = get_line(sim.store, int(cursor.lastrowid or 0))
    assert line is not None
    scenarios.start_line(sim, line, now)
    return line


def order_data(body: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    sender = check_sender(body, errors)
    data = {"sender": sender}
    for key, limit in (
        ("campaign", 1024),
        ("notes", 1024),
        ("purchaseOrderNumber", 100),
        ("emailSubject", 200),
        ("message", 1024),
    ):
        data[key] = check_string(body, key, errors, max_len=limit)
    custom = body.get("customFields")
    if isinstance(custom, dict):
        data["customFields"] = plain(custom)
    return data


def existing_order(sim: Simulator, account_id: str, source: str, ref: str) -> dict[str, Any] | None:
    row = sim.store.one(
        "SELECT id FROM orders WHERE account = ? AND source = ? AND external_ref = ?",
        (account_id, source, ref),
    )
    return None if row is None else get_order(sim.store, row["id"])


def place(
    sim: Simulator,
    account: dict[str, Any],
    spec: LineSpec,
    data: dict[str, Any],
    ref: str | None,
    now: int,
) -> dict[str, Any]:
    """Insert a single-reward RA order created at ``now`` (debited, scenario applied)."""
    data["deliveryMethod"] = spec.delivery_method
    order_id, order_ref = insert_order(sim, "RA", account, ref, data, now)
    insert_line(
        sim,
        order_id=order_id,
        order_ref=order_ref,
        line_number=1,
        spec=spec,
        account=account,
        now=now,
        extra={key: data.get(key) for key in LINE_COPIED},
    )
    scenarios.settle_order(sim, order_id, now)
    order = get_order(sim.store, order_id)
    assert order is not None
    return order


def create_order(sim: Simulator, raw: bytes) -> tuple[int, Any]:
    """POST /orders -> (201, OrderViewSummary) or (200, the original order)."""
    body = parse_object(raw)
    errors: list[FieldError] = []
    customer_id, account_id = check_identity(body, errors)
    ref = check_string(body, "externalRefID", errors, max_len=100, key_len=E.EXTERNAL_REF_LENGTH)
    parts = check_line_fields(body, errors)
    data = order_data(body, errors)
    if errors:
        raise field_errors(errors)
    key = (account_id, "RA", ref or "")
    with sim.store.transaction():
        account = check_account(sim, customer_id, account_id)
        if ref:
            done = existing_order(sim, account_id, "RA", ref)
            if done is not None:
                sim.stats.incr("idempotent_replays")
                lines = lines_for_order(sim.store, done["id"])
                return 200, order_view(sim, done, lines, verbose=True, duplicate=True)
            if key in sim.inflight:
                sim.stats.incr("responses_409")
                raise ApiError(
                    409,
                    E.IN_FLIGHT,
                    f"An order with externalRefID '{ref}' is currently in process;"
                    " retry in 2 seconds",
                    tokens=[ref],
                )
        spec = check_line_rules(parts)
        check_funds(sim, account_id, charge_for(spec, account["currency"])["total_cents"])
        if ref:
            sim.inflight.add(key)
    try:
        latency = int(sim.config["create_latency_ms"])
        if latency:
            time.sleep(latency / 1000)
        with sim.store.transaction():
            account = check_account(sim, customer_id, account_id)
            check_funds(sim, account_id, charge_for(spec, account["currency"])["total_cents"])
            order = place(sim, account, spec, data, ref, sim.store.now_us())
            sim.stats.incr("orders_created")
            lines = lines_for_order(sim.store, order["id"])
            return 201, order_view(sim, order, lines, verbose=True)
    finally:
        if ref:
            sim.inflight.discard(key)
