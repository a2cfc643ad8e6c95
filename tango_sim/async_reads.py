"""Reads of async (bulk) orders (TANGO_API.md §7.7 and the §12 limits).

* ``GET /asyncOrders`` - cursor list (``maxResults`` default 10, at most 200).
* ``GET /asyncOrders/customers/{c}/accounts/{a}/{externalRefID}`` - AsyncOrderDetailView with
  one page of line items: ``maxResults`` default 100, at most 500; filters
  ``externalRefLineItemIDs`` / ``referenceLineItemIDs`` (at most 50 each; repeated or
  comma-separated, ``[]`` suffix accepted) and ``failedOnly``.
* ``.../{externalRefID}/lineItems`` - AsyncOrderLineItemsView (with credentials per line):
  ``maxResults`` default 50, at most 100, same filters.

Line pages follow ``lineNumber``; ``nextCursor`` / ``prevCursor`` are opaque strings to pass
back. Order totals (``amountCharged``, ``totalLineItems``) always cover every line. A
``maxResults`` outside its range or more than 50 ids is a 400 with ``errors[]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors as E
from .errors import ApiError, FieldError, field_errors
from .orders import existing_order
from .records import as_dict, line_totals
from .scenarios import SUCCESS_LINE_STATUSES
from .views import async_detail, line_item_view, reward_view

if TYPE_CHECKING:
    from .app import Simulator

Query = dict[str, list[str]]
MAX_IDS = 50


def _find(sim: Simulator, customer: str, account: str, ref: str) -> dict[str, Any]:
    order = existing_order(sim, account, "AA", ref)
    if order is None or order["customer"] != customer:
        raise ApiError(404, "404.017", f"Async order '{ref}' not found", tokens=[ref])
    return order


def _int(query: Query, name: str, default: int, low: int, high: int) -> int:
    text = (query.get(name) or [""])[0]
    if text == "":
        return default
    try:
        value = int(text)
    except ValueError as exc:
        raise field_errors(
            [FieldError(name, E.FIELD_TYPE, "must be an integer", text, "Type")]
        ) from exc
    if not low <= value <= high:
        raise field_errors(
            [FieldError(name, E.FIELD_PATTERN, f"must be between {low} and {high}", value, "Range")]
        )
    return value


def _ids(query: Query, name: str) -> list[str]:
    values = [*query.get(name, []), *query.get(f"{name}[]", [])]
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if len(ids) > MAX_IDS:
        raise field_errors(
            [FieldError(name, E.FIELD_PATTERN, f"at most {MAX_IDS} ids", len(ids), "Size")]
        )
    return ids


def _page(
    sim: Simulator, order: dict[str, Any], query: Query, default: int, high: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One page of the order's line items and the pagination block."""
    limit = _int(query, "maxResults", default, 1, high)
    after = _int(query, "nextCursor", 0, 0, 10**9)
    before = _int(query, "prevCursor", 0, 0, 10**9)
    where, params = ["order_id = ?"], [order["id"]]
    for name, column in (
        ("externalRefLineItemIDs", "external_line_ref"),
        ("referenceLineItemIDs", "ref"),
    ):
        ids = _ids(query, name)
        if ids:
            where.append(f"{column} IN ({','.join('?' * len(ids))})")
            params += ids
    if (query.get("failedOnly") or ["false"])[0].lower() == "true":
        marks = ",".join("?" * len(SUCCESS_LINE_STATUSES))
        where.append(f"status NOT IN ({marks})")
        params += list(SUCCESS_LINE_STATUSES)
    base = " AND ".join(where)

    def fetch(cond: str, args: list[Any], order_by: str, count: int) -> list[dict[str, Any]]:
        rows = sim.store.all(
            f"SELECT * FROM line_items WHERE {base}{cond} ORDER BY line_number {order_by}"  # noqa: S608
            " LIMIT ?",
            [*params, *args, count],
        )
        return [line for line in (as_dict(row) for row in rows) if line is not None]

    if before:
        lines = list(reversed(fetch(" AND line_number < ?", [before], "DESC", limit)))
    else:
        lines = fetch(" AND line_number > ?", [after], "ASC", limit)
    first, last = (lines[0]["line_number"], lines[-1]["line_number"]) if lines else (0, 0)
    has_next = bool(lines) and bool(fetch(" AND line_number > ?", [last], "ASC", 1))
    has_prev = bool(lines) and bool(fetch(" AND line_number < ?", [first], "DESC", 1))
    pagination = {
        "prevCursor": str(first) if has_prev else None,
        "nextCursor": str(last) if has_next else None,
        "prevPageAvailable": has_prev,
        "nextPageAvailable": has_next,
        "maxResults": limit,
        "numberOfElements": len(lines),
    }
    return lines, pagination


def get_async_order(
    sim: Simulator, customer: str, account: str, ref: str, query: Query
) -> dict[str, Any]:
    order = _find(sim, customer, account, ref)
    lines, pagination = _page(sim, order, query, 100, 500)
    totals = line_totals(sim.store, [order["id"]]).get(order["id"])
    return async_detail(sim, order, lines, totals=totals, pagination=pagination)


def get_async_line_items(
    sim: Simulator, customer: str, account: str, ref: str, query: Query
) -> dict[str, Any]:
    order = _find(sim, customer, account, ref)
    lines, pagination = _page(sim, order, query, 50, 100)
    items = []
    for line in lines:
        view = line_item_view(sim, line, order, verbose=False)
        reward = reward_view(line)
        view["rewards"] = (
            [] if reward is None else [{"rewardStatus": line["reward_status"], **reward}]
        )
        items.append(view)
    return {
        "referenceOrderID": order["ref"],
        "externalRefID": order["external_ref"],
        "customerIdentifier": order["customer"],
        "accountIdentifier": order["account"],
        "orderStatus": order["status"],
        "pagination": pagination,
        "lineItems": items,
    }


def list_async_orders(sim: Simulator, query: Query) -> dict[str, Any]:
    try:
        limit = int((query.get("maxResults") or ["10"])[0])
        offset = int((query.get("nextCursor") or query.get("prevCursor") or ["0"])[0] or 0)
    except ValueError as exc:
        raise field_errors([FieldError("maxResults", E.FIELD_TYPE, "must be an integer")]) from exc
    limit = max(1, min(limit, 200))
    where, params = ["source = 'AA'"], []
    for name, column in (
        ("accountIdentifier", "account"),
        ("customerIdentifier", "customer"),
        ("externalRefID", "external_ref"),
    ):
        if query.get(name):
            where.append(f"{column} = ?")
            params.append(query[name][0])
    rows = sim.store.all(
        f"SELECT * FROM orders WHERE {' AND '.join(where)}"  # noqa: S608
        " ORDER BY created_us DESC, id DESC LIMIT ? OFFSET ?",
        [*params, limit + 1, offset],
    )
    orders = [o for o in (as_dict(r) for r in rows[:limit]) if o is not None]
    totals = line_totals(sim.store, [o["id"] for o in orders])
    views = []
    for order in orders:
        detail = async_detail(sim, order, [], totals=totals.get(order["id"]))
        detail.pop("lineItems")
        detail.pop("pagination")
        views.append(detail)
    return {
        "prevCursor": str(max(0, offset - limit)) if offset else None,
        "nextCursor": str(offset + limit) if len(rows) > limit else None,
        "prevPageAvailable": offset > 0,
        "nextPageAvailable": len(rows) > limit,
        "maxResults": limit,
        "orders": views,
    }
