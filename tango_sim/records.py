"""Load and save order / line-item rows as plain dicts (columns + parsed ``data`` JSON)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .store import Store, dumps

LINE_MUTABLE = (
    "status",
    "hold",
    "email_status",
    "delivery_status",
    "reward_status",
    "refunded_cents",
    "completed_us",
    "frozen_until_us",
    "last_resend_us",
    "recipient_email",
    "delivery_method",
)

ORDER_STATUSES = (
    "PENDING",
    "QUEUED",
    "PENDING_MR",
    "ON_HOLD",
    "CANCELLED",
    "COMPLETE",
    "FAILED",
    "PARTIAL",
    "DELETED",
    "PENDING_KYB",
    "PENDING_PAYMENT",
)
PENDING_ORDER_STATUSES = (
    "PENDING",
    "QUEUED",
    "PENDING_MR",
    "ON_HOLD",
    "PENDING_KYB",
    "PENDING_PAYMENT",
)
LINE_STATUSES = ("COMPLETE", "PENDING", "FAILED", "DELETED", "CANCELLED", "RETURNED")
DELIVERY_METHODS = (
    "NONE",
    "EMAIL",
    "PHONE",
    "ADDRESS",
    "EMBEDDED",
    "BULKSHIPMENT",
    "QRCODE",
    "BULKDIGITAL",
    "EMBEDDED_COMPONENT",
    "WHATSAPP",
)
CREATE_DELIVERY_METHODS = (
    "NONE",
    "EMAIL",
    "PHONE",
    "ADDRESS",
    "EMBEDDED",
    "EMBEDDED_COMPONENT",
    "WHATSAPP",
)
EMAIL_STATUSES = (
    "DELIVERED",
    "NOT_DELIVERED",
    "PENDING",
    "SENT",
    "DEFERRED",
    "DROPPED",
    "BOUNCE",
    "BLOCKED",
)
DELIVERY_STATUSES = ("PENDING", "PROCESSING", "DISPATCHED", "DELIVERED", "FAILED", "ENGAGED")


def as_dict(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    result = dict(row)
    if "data" in result:
        result["data"] = json.loads(result["data"])
    return result


def get_order(store: Store, order_id: int) -> dict[str, Any] | None:
    return as_dict(store.one("SELECT * FROM orders WHERE id = ?", (order_id,)))


def get_order_by_ref(store: Store, ref: str) -> dict[str, Any] | None:
    return as_dict(store.one("SELECT * FROM orders WHERE ref = ?", (ref,)))


def get_line(store: Store, line_id: int) -> dict[str, Any] | None:
    return as_dict(store.one("SELECT * FROM line_items WHERE id = ?", (line_id,)))


def get_line_by_ref(store: Store, ref: str) -> dict[str, Any] | None:
    return as_dict(store.one("SELECT * FROM line_items WHERE ref = ?", (ref,)))


def lines_for_order(store: Store, order_id: int) -> list[dict[str, Any]]:
    rows = store.all(
        "SELECT * FROM line_items WHERE order_id = ? ORDER BY line_number", (order_id,)
    )
    return [r for r in (as_dict(row) for row in rows) if r is not None]


def totals_of(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Money totals of an order's line items plus its first line (what order views show)."""
    return {
        "first": lines[0],
        "count": len(lines),
        "charged_cents": sum(line["charged_cents"] for line in lines),
        "fee_cents": sum(line["fee_cents"] for line in lines),
        "total_cents": sum(line["total_cents"] for line in lines),
        "amount_cents": sum(line["amount_cents"] for line in lines),
        "currencies": len({line["reward_currency"] for line in lines}),
    }


def line_totals(store: Store, order_ids: list[int]) -> dict[int, dict[str, Any]]:
    """totals_of() for many orders computed in SQL: lists never load every line of a
    1,000-line async order."""
    result: dict[int, dict[str, Any]] = {}
    for start in range(0, len(order_ids), 500):
        chunk = order_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        firsts = {
            row["order_id"]: as_dict(row)
            for row in store.all(
                f"SELECT * FROM line_items WHERE order_id IN ({marks}) AND line_number = 1",  # noqa: S608
                chunk,
            )
        }
        sums = (
            "SELECT order_id, COUNT(*) AS n, SUM(charged_cents) AS c, SUM(fee_cents) AS f,"
            " SUM(total_cents) AS t, SUM(amount_cents) AS a,"
            " COUNT(DISTINCT reward_currency) AS cur FROM line_items"
        )
        where = f" WHERE order_id IN ({marks}) GROUP BY order_id"
        for row in store.all(sums + where, chunk):
            first = firsts.get(row["order_id"]) or lines_for_order(store, row["order_id"])[0]
            result[row["order_id"]] = {
                "first": first,
                "count": row["n"],
                "charged_cents": row["c"],
                "fee_cents": row["f"],
                "total_cents": row["t"],
                "amount_cents": row["a"],
                "currencies": row["cur"],
            }
    return result


def save_line(store: Store, line: dict[str, Any]) -> None:
    columns = {name: line[name] for name in LINE_MUTABLE}
    columns["data"] = dumps(line["data"])
    store.update("line_items", line["id"], **columns)


def save_order(store: Store, order: dict[str, Any]) -> None:
    store.update(
        "orders",
        order["id"],
        status=order["status"],
        completed_us=order["completed_us"],
        announced=order["announced"],
        data=dumps(order["data"]),
    )


def get_account(store: Store, identifier: str) -> dict[str, Any] | None:
    return as_dict(store.one("SELECT * FROM accounts WHERE identifier = ?", (identifier,)))


def get_customer(store: Store, identifier: str) -> dict[str, Any] | None:
    return as_dict(store.one("SELECT * FROM customers WHERE identifier = ?", (identifier,)))
