"""Read endpoints: GET /orders (page numbers, §5), GET /orders/{id} (§6),
GET /lineItems (keyset, §7.1) and GET /lineItems/{id} (§7.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors as E
from .errors import ApiError, FieldError, field_errors
from .records import (
    DELIVERY_METHODS,
    DELIVERY_STATUSES,
    EMAIL_STATUSES,
    LINE_STATUSES,
    ORDER_STATUSES,
    as_dict,
    get_line_by_ref,
    get_order,
    get_order_by_ref,
    line_totals,
    lines_for_order,
)
from .store import iso, parse_iso, to_cents
from .views import line_item_view, order_view

if TYPE_CHECKING:
    from .app import Simulator

Query = dict[str, list[str]]
ORDER_SOURCES = ("RA", "RG", "BE", "BI", "CI", "QW", "AA")


def _first(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values and values[0] != "" else None


def _int(query: Query, name: str, default: int, errors: list[FieldError]) -> int:
    text = _first(query, name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        errors.append(FieldError(name, E.FIELD_TYPE, "must be an integer", text, "Type"))
        return default


def _enum(query: Query, name: str, allowed: tuple[str, ...], errors: list[FieldError]) -> Any:
    text = _first(query, name)
    if text is not None and text not in allowed:
        errors.append(
            FieldError(name, E.FIELD_ENUM, f"must be one of {', '.join(allowed)}", text, "Enum")
        )
        return None
    return text


def _page_size(query: Query, errors: list[FieldError]) -> int:
    size = _int(query, "elementsPerBlock", 10, errors)
    if size > 100:
        raise ApiError(422, E.PAGE_SIZE, "elementsPerBlock must not exceed 100", tokens=["100"])
    if size < 1:
        errors.append(
            FieldError("elementsPerBlock", E.FIELD_PATTERN, "must be at least 1", size, "Min")
        )
    return size


def _dates(query: Query, column: str, where: list[str], params: list[Any]) -> None:
    start_text, end_text = _first(query, "startDate"), _first(query, "endDate")
    try:
        start = parse_iso(start_text) if start_text else None
        end = parse_iso(end_text, end_of_day=True) if end_text else None
    except ValueError as exc:
        raise ApiError(422, E.BAD_DATE, "Dates must be ISO 8601 (RFC 3339)") from exc
    if start is not None and end is not None and end < start:
        raise ApiError(422, E.END_BEFORE_START, "endDate must be after startDate")
    if start is not None:
        where.append(f"{column} >= ?")
        params.append(start)
    if end is not None:
        where.append(f"{column} <= ?")
        params.append(end)


def list_orders(sim: Simulator, query: Query) -> dict[str, Any]:
    errors: list[FieldError] = []
    page = _int(query, "page", 0, errors)
    size = _page_size(query, errors)
    status = _enum(query, "orderStatus", ORDER_STATUSES, errors) or _enum(
        query, "status", ORDER_STATUSES, errors
    )
    line_status = _enum(query, "lineItemStatus", LINE_STATUSES, errors)
    method = _enum(query, "deliveryMethod", DELIVERY_METHODS, errors)
    if page < 0:
        errors.append(FieldError("page", E.FIELD_PATTERN, "must be >= 0", page, "Min"))
    if errors:
        raise field_errors(errors)
    where: list[str] = []
    params: list[Any] = []
    for name, column in (
        ("accountIdentifier", "o.account"),
        ("customerIdentifier", "o.customer"),
        ("externalRefID", "o.external_ref"),
    ):
        if _first(query, name):
            where.append(f"{column} = ?")
            params.append(_first(query, name))
    if status:
        where.append("o.status = ?")
        params.append(status)
    _dates(query, "o.created_us", where, params)
    line_where: list[str] = []
    for _name, column, value in (
        ("lineItemStatus", "li.status", line_status),
        ("deliveryMethod", "li.delivery_method", method),
        ("utid", "upper(li.utid)", (_first(query, "utid") or "").upper() or None),
        (
            "recipientEmail",
            "lower(li.recipient_email)",
            (_first(query, "recipientEmail") or "").lower() or None,
        ),
        ("currencyCode", "li.reward_currency", _first(query, "currencyCode")),
    ):
        if value:
            line_where.append(f"{column} = ?")
            params.append(value)
    if _first(query, "rewardName"):
        line_where.append("li.reward_name LIKE ?")
        params.append(f"%{_first(query, 'rewardName')}%")
    for name, op in (("minAmount", ">="), ("maxAmount", "<=")):
        if _first(query, name):
            try:
                params.append(to_cents(float(_first(query, name) or 0)))
            except ValueError as exc:
                raise field_errors(
                    [
                        FieldError(
                            name, E.FIELD_TYPE, "must be a number", _first(query, name), "Type"
                        )
                    ]
                ) from exc
            line_where.append(f"li.amount_cents {op} ?")
    if line_where:
        joined = " AND ".join(line_where)
        where.append(f"EXISTS (SELECT 1 FROM line_items li WHERE li.order_id = o.id AND {joined})")  # noqa: S608
    if page * size + size > int(sim.config["max_result_window"]):
        raise ApiError(
            400,
            E.MAX_RESULT_WINDOW,
            "Search request exceeds max result window "
            f"({sim.config['max_result_window']}); use filters",
            tokens=[str(sim.config["max_result_window"])],
        )
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total = sim.store.scalar(f"SELECT COUNT(*) FROM orders o {clause}", params)  # noqa: S608
    rows = sim.store.all(
        f"SELECT o.* FROM orders o {clause} ORDER BY o.created_us DESC, o.id DESC"  # noqa: S608
        " LIMIT ? OFFSET ?",
        [*params, size, page * size],
    )
    orders = [o for o in (as_dict(row) for row in rows) if o is not None]
    totals = line_totals(sim.store, [o["id"] for o in orders])
    return {
        "page": {
            "number": page,
            "elementsPerBlock": size,
            "resultCount": len(orders),
            "totalCount": int(total or 0),
        },
        "orders": [order_view(sim, o, [], verbose=False, totals=totals[o["id"]]) for o in orders],
    }


def get_order_view(sim: Simulator, ref: str) -> dict[str, Any]:
    order = get_order_by_ref(sim.store, ref)
    if order is None:
        raise E.not_found_order(ref)
    return order_view(sim, order, lines_for_order(sim.store, order["id"]), verbose=True)


def _keys(line: dict[str, Any]) -> list[str]:
    return [str(iso(line["created_us"])), line["ref"]]


def list_line_items(sim: Simulator, query: Query) -> dict[str, Any]:
    errors: list[FieldError] = []
    size = _page_size(query, errors)
    filters = (
        ("status", "li.status", LINE_STATUSES),
        ("emailStatus", "li.email_status", EMAIL_STATUSES),
        ("deliveryStatus", "li.delivery_status", DELIVERY_STATUSES),
        ("deliveryMethod", "li.delivery_method", DELIVERY_METHODS),
        ("orderStatus", "o.status", ORDER_STATUSES),
        ("orderSource", "o.source", ORDER_SOURCES),
    )
    where: list[str] = []
    params: list[Any] = []
    for name, column, allowed in filters:
        value = _enum(query, name, allowed, errors)
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    previous = (_first(query, "pagePrevious") or "false").lower() == "true"
    raw_keys = [part for value in query.get("pageKeys", []) for part in value.split(",") if part]
    anchor = None
    if raw_keys:
        anchor = get_line_by_ref(sim.store, raw_keys[-1])
        if anchor is None:
            errors.append(
                FieldError("pageKeys", E.FIELD_PATTERN, "unknown page keys", raw_keys, "PageKeys")
            )
    if errors:
        raise field_errors(errors)
    for name, column in (
        ("referenceOrderID", "o.ref"),
        ("accountIdentifier", "li.account"),
        ("utid", "li.utid"),
    ):
        if _first(query, name):
            where.append(f"{column} = ?")
            params.append(_first(query, name))
    if _first(query, "externalRefID"):
        where.append("(o.external_ref = ? OR li.external_line_ref = ?)")
        params += [_first(query, "externalRefID")] * 2
    if _first(query, "recipientEmail"):
        where.append("lower(li.recipient_email) = ?")
        params.append((_first(query, "recipientEmail") or "").lower())
    _dates(query, "li.created_us", where, params)
    base = "FROM line_items li JOIN orders o ON o.id = li.order_id"
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total = sim.store.scalar(f"SELECT COUNT(*) {base} {clause}", params)
    after = "(li.created_us < ? OR (li.created_us = ? AND li.id < ?))"
    before = "(li.created_us > ? OR (li.created_us = ? AND li.id > ?))"

    def fetch(cond: str | None, anchor_line: dict[str, Any] | None, asc: bool, limit: int) -> Any:
        conds = [*where]
        args = [*params]
        if cond and anchor_line is not None:
            conds.append(cond)
            args += [anchor_line["created_us"], anchor_line["created_us"], anchor_line["id"]]
        sql_where = f"WHERE {' AND '.join(conds)}" if conds else ""
        order = "ASC" if asc else "DESC"
        return sim.store.all(
            f"SELECT li.* {base} {sql_where} ORDER BY li.created_us {order}, li.id {order} LIMIT ?",
            [*args, limit],
        )

    if previous and anchor is not None:
        rows = list(reversed(fetch(before, anchor, True, size + 1)[:size]))
    else:
        rows = fetch(after if anchor is not None else None, anchor, False, size)
    lines = [line for line in (as_dict(row) for row in rows) if line is not None]
    has_next = bool(lines) and bool(fetch(after, lines[-1], False, 1))
    has_prev = bool(lines) and bool(fetch(before, lines[0], True, 1))
    orders: dict[int, dict[str, Any]] = {}
    views = []
    for line in lines:
        if line["order_id"] not in orders:
            order = get_order(sim.store, line["order_id"])
            assert order is not None
            orders[line["order_id"]] = order
        views.append(line_item_view(sim, line, orders[line["order_id"]], verbose=False))
    return {
        "keysetPage": {
            "nextPageKeys": _keys(lines[-1]) if has_next else [],
            "previousPageKeys": _keys(lines[0]) if has_prev else [],
            "resultCount": len(lines),
            "totalCount": int(total or 0),
        },
        "lineItems": views,
    }


def get_line_item_view(sim: Simulator, ref: str) -> dict[str, Any]:
    line = get_line_by_ref(sim.store, ref)
    if line is None:
        raise E.not_found_line_item(ref)
    order = get_order(sim.store, line["order_id"])
    assert order is not None
    return line_item_view(sim, line, order, verbose=True)
