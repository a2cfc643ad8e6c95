"""Async (bulk, multi-line) orders: POST /asyncOrders (§7.7); the reads are in async_reads.py.

Each line item follows its own scenario cents; the order (source ``AA``) is COMPLETE when all
lines complete, FAILED when all fail, PARTIAL when mixed, and the AsyncOrderStatus webhook is
sent once when it settles. Lines that fail validation are reported in ``failedLineItems`` and
not created; if no line is valid the request is rejected with 400. At most
``async_max_line_items`` (1000) line items per request, counted before and after ``quantity``
(1-100 per line), else 400 with ``errors[]``; the whole order is processed inside the request.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from . import errors as E
from . import scenarios
from .errors import ApiError, FieldError, field_errors
from .orders import (
    charge_for,
    check_account,
    check_funds,
    existing_order,
    insert_line,
    insert_order,
    order_data,
)
from .records import as_dict
from .validation import (
    LineSpec,
    check_identity,
    check_line_fields,
    check_line_rules,
    check_string,
    parse_object,
)
from .views import async_entity

if TYPE_CHECKING:
    from .app import Simulator


def _too_many(limit: int, count: int, what: str) -> FieldError:
    return FieldError("lineItems", E.FIELD_PATTERN, f"at most {limit} {what}", count, "Size")


def _error_entries(err: ApiError) -> list[dict[str, Any]]:
    if err.errors:
        return [
            {
                "field": e.path,
                "errorCodeValue": e.i18n_key,
                "errorCodeName": e.constraint or "INVALID",
                "message": e.message,
            }
            for e in err.errors
        ]
    return [
        {
            "field": None,
            "errorCodeValue": err.i18n_key,
            "errorCodeName": "BUSINESS_RULE",
            "message": err.message,
        }
    ]


def _check_lines(raw_lines: list[Any]) -> tuple[list[tuple[str, LineSpec]], list[Any], dict]:
    valid: list[tuple[str, LineSpec]] = []
    failed: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, line in enumerate(raw_lines, start=1):
        path = f"lineItems[{index - 1}]."
        errors: list[FieldError] = []
        if not isinstance(line, dict):
            failed.append(
                {
                    "lineItemId": index,
                    "externalRefLineItemID": None,
                    "utid": None,
                    "errors": [
                        {
                            "field": path[:-1],
                            "errorCodeValue": E.FIELD_TYPE,
                            "errorCodeName": "Type",
                            "message": "must be an object",
                        }
                    ],
                }
            )
            continue
        line_ref = check_string(
            line, "externalRefLineItemID", errors, path=path, required=True, max_len=100
        )
        if line_ref is not None:
            seen[line_ref] = seen.get(line_ref, 0) + 1
            if seen[line_ref] > 1:
                continue
        quantity = line.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 100:
            errors.append(
                FieldError(
                    f"{path}quantity",
                    E.FIELD_PATTERN,
                    "must be between 1 and 100",
                    str(quantity),
                    "Range",
                )
            )
        try:
            parts = check_line_fields(line, errors, path)
            if errors:
                raise field_errors(errors)
            spec = check_line_rules(parts)
        except ApiError as err:
            failed.append(
                {
                    "lineItemId": index,
                    "externalRefLineItemID": line_ref,
                    "utid": line.get("utid"),
                    "errors": _error_entries(err),
                }
            )
            continue
        valid.extend((line_ref or "", spec) for _ in range(quantity))
    duplicates = {ref: count for ref, count in seen.items() if count > 1}
    return valid, failed, duplicates


def create_async_order(sim: Simulator, raw: bytes) -> tuple[int, Any]:
    body = parse_object(raw)
    errors: list[FieldError] = []
    customer_id, account_id = check_identity(body, errors)
    ref = check_string(
        body, "externalRefID", errors, required=True, max_len=100, key_len=E.EXTERNAL_REF_LENGTH
    )
    raw_lines = body.get("lineItems")
    limit = int(sim.config["async_max_line_items"])
    if not isinstance(raw_lines, list) or not raw_lines:
        errors.append(
            FieldError("lineItems", E.FIELD_REQUIRED, "may not be empty", None, "NotEmpty")
        )
    elif len(raw_lines) > limit:
        errors.append(_too_many(limit, len(raw_lines), "line items per request"))
    data = order_data(body, errors)
    if errors:
        raise field_errors(errors)
    assert ref is not None and isinstance(raw_lines, list)
    key = (account_id, "AA", ref)
    with sim.store.transaction():
        account = check_account(sim, customer_id, account_id)
        done = existing_order(sim, account_id, "AA", ref)
        if done is not None:
            sim.stats.incr("idempotent_replays")
            return 200, async_entity(done)
        if key in sim.inflight:
            sim.stats.incr("responses_409")
            raise ApiError(
                409,
                E.IN_FLIGHT,
                f"An order with externalRefID '{ref}' is currently in process",
                tokens=[ref],
            )
        valid, failed, duplicates = _check_lines(raw_lines)
        if not valid:
            raise field_errors(
                [
                    FieldError(
                        f"lineItems[{f['lineItemId'] - 1}]",
                        e["errorCodeValue"],
                        e["message"],
                        f["utid"],
                        e["errorCodeName"],
                    )
                    for f in failed
                    for e in f["errors"]
                ]
            )
        if len(valid) > limit:
            raise field_errors([_too_many(limit, len(valid), "rewards per request (quantity)")])
        total = sum(charge_for(spec, account["currency"])["total_cents"] for _, spec in valid)
        check_funds(sim, account_id, total)
        sim.inflight.add(key)
    try:
        latency = int(sim.config["create_latency_ms"])
        if latency:
            time.sleep(latency / 1000)
        with sim.store.transaction():
            account = check_account(sim, customer_id, account_id)
            check_funds(sim, account_id, total)
            now = sim.store.now_us()
            data.update(
                asyncStatus="SUBMITTED",
                totalLineItems=len(raw_lines),
                failedLineItems=failed,
                duplicateLineItemRefIds=duplicates,
            )
            order_id, order_ref = insert_order(sim, "AA", account, ref, data, now)
            for number, (line_ref, spec) in enumerate(valid, start=1):
                insert_line(
                    sim,
                    order_id=order_id,
                    order_ref=order_ref,
                    line_number=number,
                    spec=spec,
                    account=account,
                    now=now,
                    external_line_ref=line_ref,
                    extra={
                        "sender": data["sender"],
                        "campaign": data["campaign"],
                        "purchaseOrderNumber": data["purchaseOrderNumber"],
                    },
                )
            scenarios.settle_order(sim, order_id, now)
            order = as_dict(sim.store.one("SELECT * FROM orders WHERE id = ?", (order_id,)))
            assert order is not None
            sim.stats.incr("orders_created")
            return 202, async_entity(order)
    finally:
        sim.inflight.discard(key)
