"""Route table of the Tango contract (served under /raas/v2) and its small handlers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import async_reads, asyncorders, lineitems, orders, queries, reference, reissue, webhook_api
from . import errors as E
from .errors import ApiError
from .records import get_line_by_ref, get_order_by_ref, lines_for_order
from .seed import catalog_json
from .validation import parse_object
from .views import account_view, customer_view

if TYPE_CHECKING:
    from .app import Simulator


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)


Handler = Callable[["Simulator", Request], Any]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    tx: bool = True  # run inside Store.transaction() (handlers that sleep manage their own)


def route(method: str, path: str, handler: Handler, *, tx: bool = True) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(method, re.compile(f"^{regex}$"), handler, tx)


def match(routes: list[Route], method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, params, path_exists) for a request path."""
    path_exists = False
    for candidate in routes:
        found = candidate.pattern.match(path)
        if found:
            path_exists = True
            if candidate.method == method:
                return candidate, found.groupdict(), True
    return None, {}, path_exists


# -- accounts, customers, catalog ----------------------------------------------------------


def _accounts(sim: Simulator, req: Request, customer: str | None = None) -> Any:
    sql, params = "SELECT * FROM accounts", []
    if customer is not None:
        _customer_row(sim, customer)
        sql, params = sql + " WHERE customer = ?", [customer]
    rows = sim.store.all(sql + " ORDER BY identifier", params)
    views = [account_view(r) for r in rows]
    for key, name in (("status", "status"), ("currencyCode", "currencyCode")):
        wanted = req.query.get(key)
        if wanted:
            views = [v for v in views if v[name] in wanted]
    if (req.query.get("paginate") or ["false"])[0].lower() == "true":
        limit = max(1, min(int((req.query.get("maxResults") or ["10"])[0]), 200))
        return {
            "numberOfElements": min(limit, len(views)),
            "maxResults": limit,
            "prevCursor": None,
            "nextCursor": None,
            "items": views[:limit],
            "prevPageAvailable": False,
            "nextPageAvailable": len(views) > limit,
        }
    return views


def _account(sim: Simulator, req: Request) -> Any:
    row = sim.store.one("SELECT * FROM accounts WHERE identifier = ?", (req.params["a"],))
    if row is None:
        raise ApiError(404, E.ACCOUNT_NOT_FOUND, f"Account '{req.params['a']}' not found")
    if "c" in req.params and row["customer"] != req.params["c"]:
        raise ApiError(404, E.ACCOUNT_NOT_FOUND, f"Account '{req.params['a']}' not found")
    return account_view(row)


def _customer_row(sim: Simulator, identifier: str) -> Any:
    row = sim.store.one("SELECT * FROM customers WHERE identifier = ?", (identifier,))
    if row is None:
        raise ApiError(404, E.CUSTOMER_NOT_FOUND, f"Customer '{identifier}' not found")
    return row


def _customer(sim: Simulator, identifier: str) -> dict[str, Any]:
    row = _customer_row(sim, identifier)
    accounts = sim.store.all(
        "SELECT * FROM accounts WHERE customer = ? ORDER BY identifier", (identifier,)
    )
    return customer_view(row, accounts)


def _customers(sim: Simulator, req: Request) -> Any:
    rows = sim.store.all("SELECT identifier FROM customers ORDER BY identifier")
    return [_customer(sim, r["identifier"]) for r in rows]


# -- orders and line items -----------------------------------------------------------------


def _order_resend(sim: Simulator, req: Request) -> Any:
    body = parse_object(req.body, allow_empty=True)
    order = get_order_by_ref(sim.store, req.params["ref"])
    if order is None:
        raise E.not_found_order(req.params["ref"])
    line = lines_for_order(sim.store, order["id"])[0]
    return 201, lineitems.resend(sim, line, body, order_level=True)


def _line(sim: Simulator, ref: str) -> dict[str, Any]:
    line = get_line_by_ref(sim.store, ref)
    if line is None:
        raise E.not_found_line_item(ref)
    return line


def _line_action(action: str) -> Handler:
    def handler(sim: Simulator, req: Request) -> Any:
        body = parse_object(req.body, allow_empty=True)
        return 202, lineitems.act(sim, _line(sim, req.params["ref"]), action, body)

    return handler


def _line_resend(sim: Simulator, req: Request) -> Any:
    body = parse_object(req.body, allow_empty=True)
    return 201, lineitems.resend(sim, _line(sim, req.params["ref"]), body, order_level=False)


def _line_reissue(sim: Simulator, req: Request) -> Any:
    return reissue.reissue(sim, _line(sim, req.params["ref"]), req.body)


def _line_patch(sim: Simulator, req: Request) -> Any:
    body = parse_object(req.body)
    return 202, lineitems.patch(sim, _line(sim, req.params["ref"]), body)


def _embedded_url(sim: Simulator, req: Request) -> Any:
    line = _line(sim, req.params["ref"])
    credentials = line["data"].get("credentialList") or []
    if line["status"] != "COMPLETE" or not credentials:
        raise ApiError(403, E.RESEND_BAD_STATUS, "No embeddable reward for this line item")
    return {"url": f"https://rewards.sim.example/embedded/{line['ref']}"}


p = "{ref}"
ROUTES: list[Route] = [
    route("GET", "/catalogs", lambda s, r: catalog_json(r.query)),
    route("GET", "/exchangerates", lambda s, r: reference.exchange_rates(s, r.query)),
    route("GET", "/accounts", lambda s, r: _accounts(s, r)),
    route("GET", "/accounts/{a}", _account),
    route("GET", "/customers", _customers),
    route("GET", "/customers/{c}", lambda s, r: _customer(s, r.params["c"])),
    route("GET", "/customers/{c}/accounts", lambda s, r: _accounts(s, r, r.params["c"])),
    route("GET", "/customers/{c}/accounts/{a}", _account),
    route("POST", "/orders", lambda s, r: orders.create_order(s, r.body), tx=False),
    route("GET", "/orders", lambda s, r: queries.list_orders(s, r.query)),
    route("GET", f"/orders/{p}", lambda s, r: queries.get_order_view(s, r.params["ref"])),
    route("POST", f"/orders/{p}/resends", _order_resend),
    route("GET", "/lineItems/reasonCodes", lambda s, r: reference.line_item_reason_codes()),
    route("GET", "/lineItems", lambda s, r: queries.list_line_items(s, r.query)),
    route("GET", f"/lineItems/{p}", lambda s, r: queries.get_line_item_view(s, r.params["ref"])),
    route("PATCH", f"/lineItems/{p}", _line_patch),
    route("POST", f"/lineItems/{p}/resends", _line_resend),
    route("POST", f"/lineItems/{p}/cancel", _line_action("cancel")),
    route("POST", f"/lineItems/{p}/freeze", _line_action("freeze")),
    route("POST", f"/lineItems/{p}/unfreeze", _line_action("unfreeze")),
    route("POST", f"/lineItems/{p}/reissue", _line_reissue),
    route("GET", f"/lineItems/{p}/embeddedUrl", _embedded_url),
    route("POST", "/asyncOrders", lambda s, r: asyncorders.create_async_order(s, r.body), tx=False),
    route("GET", "/asyncOrders", lambda s, r: async_reads.list_async_orders(s, r.query)),
    route("GET", "/asyncOrders/reasonCodes", lambda s, r: reference.async_reason_codes()),
    route(
        "GET",
        "/asyncOrders/customers/{c}/accounts/{a}/{ref}",
        lambda s, r: async_reads.get_async_order(
            s, r.params["c"], r.params["a"], r.params["ref"], r.query
        ),
    ),
    route(
        "GET",
        "/asyncOrders/customers/{c}/accounts/{a}/{ref}/lineItems",
        lambda s, r: async_reads.get_async_line_items(
            s, r.params["c"], r.params["a"], r.params["ref"], r.query
        ),
    ),
    route("POST", "/webhooks", lambda s, r: webhook_api.create(s, r.body)),
    route("GET", "/webhooks", lambda s, r: webhook_api.list_all(s, r.query)),
    route("GET", "/webhooks/eventtypes", lambda s, r: webhook_api.event_types()),
    route("GET", "/webhooks/{w}", lambda s, r: webhook_api.get(s, r.params["w"])),
    route("PATCH", "/webhooks/{w}", lambda s, r: webhook_api.update(s, r.params["w"], r.body)),
    route("DELETE", "/webhooks/{w}", lambda s, r: webhook_api.delete(s, r.params["w"])),
    route("POST", "/webhooks/{w}/renew", lambda s, r: webhook_api.renew(s, r.params["w"])),
    route(
        "GET", "/webhooks/{w}/events", lambda s, r: webhook_api.events(s, r.params["w"], r.query)
    ),
    route(
        "POST", "/webhooks/{w}/replay", lambda s, r: webhook_api.replay(s, r.params["w"], r.query)
    ),
    route(
        "POST", "/webhooks/{w}/tests", lambda s, r: webhook_api.run_tests(s, r.params["w"], None)
    ),
    route(
        "POST",
        "/webhooks/{w}/tests/{name}",
        lambda s, r: webhook_api.run_tests(s, r.params["w"], r.params["name"]),
    ),
]
