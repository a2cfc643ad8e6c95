"""Private admin API under /__sim (not part of Tango's contract; no auth, loopback only)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import ledger, scenarios, transitions
from .bulk import bulk_orders
from .config import ConfigError
from .drift import DRIFT_ROUTES
from .errors import ApiError, FieldError, field_errors
from .queries import get_order_view
from .records import (
    LINE_STATUSES,
    ORDER_STATUSES,
    get_account,
    get_line_by_ref,
    get_order_by_ref,
    save_line,
)
from .routes import Request, Route, route
from .store import US, iso, money, to_cents
from .validation import parse_object, plain

if TYPE_CHECKING:
    from .app import Simulator

ACCOUNT_STATUSES = ("ACTIVE", "INACTIVE", "DISABLED", "FROZEN", "DELETED")


def _bad(message: str, path: str = "body") -> ApiError:
    return field_errors([FieldError(path, "400.001", message)])


def _number(body: dict[str, Any], key: str) -> Decimal:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise _bad(f"'{key}' must be a number", key)
    return Decimal(value)


def clock_view(sim: Simulator) -> dict[str, Any]:
    now = sim.store.now_us()
    return {
        "now": iso(now),
        "nowEpochSeconds": now / US,
        "offsetSeconds": sim.store.offset_us() / US,
    }


def _advance(sim: Simulator, req: Request) -> Any:
    seconds = _number(parse_object(req.body), "seconds")
    if seconds < 0:
        raise _bad("'seconds' must be >= 0", "seconds")
    sim.store.advance(float(seconds))
    fired = scenarios.apply_due(sim)
    return {**clock_view(sim), "transitionsApplied": fired}


def _fund(sim: Simulator, req: Request) -> Any:
    account_id = req.params["a"]
    cents = to_cents(_number(parse_object(req.body), "amount"))
    if get_account(sim.store, account_id) is None:
        raise ApiError(404, "404.096", f"Account '{account_id}' not found")
    now = sim.store.now_us()
    ledger.fund(sim, account_id, cents, now)
    released = transitions.release_on_hold(sim, account_id)
    account = get_account(sim.store, account_id)
    assert account is not None
    return {
        "accountIdentifier": account_id,
        "currentBalance": money(account["balance_cents"]),
        "releasedOrders": released,
    }


def _account_status(sim: Simulator, req: Request) -> Any:
    account_id = req.params["a"]
    status = parse_object(req.body).get("status")
    if status not in ACCOUNT_STATUSES:
        raise _bad(f"status must be one of {', '.join(ACCOUNT_STATUSES)}", "status")
    if get_account(sim.store, account_id) is None:
        raise ApiError(404, "404.096", f"Account '{account_id}' not found")
    sim.store.update("accounts", account_id, status=status)
    sim.webhooks.emit("AccountStatus", {"accountIdentifier": account_id, "status": status})
    return {"accountIdentifier": account_id, "status": status}


def _status_text(value: Any) -> bool:
    """Any non-blank string of at most 64 characters; unknown vocabulary is stored as is."""
    return isinstance(value, str) and bool(value.strip()) and len(value) <= 64


def _transition(sim: Simulator, req: Request) -> Any:
    body = parse_object(req.body)
    order_status, line_status = body.get("orderStatus"), body.get("lineItemStatus")
    if not _status_text(order_status):
        known = ", ".join(ORDER_STATUSES)
        raise _bad(f"orderStatus must be a status string (known: {known})", "orderStatus")
    if line_status is not None and not _status_text(line_status):
        known = ", ".join(LINE_STATUSES)
        raise _bad(f"lineItemStatus must be a status string (known: {known})", "lineItemStatus")
    order = get_order_by_ref(sim.store, req.params["ref"])
    if order is None:
        raise ApiError(404, "404.017", f"Order '{req.params['ref']}' not found")
    transitions.transition(sim, order, order_status, line_status)
    return get_order_view(sim, order["ref"])


def _redeem(sim: Simulator, req: Request) -> Any:
    line = get_line_by_ref(sim.store, req.params["ref"])
    if line is None or line["status"] != "COMPLETE":
        raise ApiError(404, "404.017", "No COMPLETE line item with that id")
    scenarios.set_reward_status(sim, line, "REDEEMED", sim.store.now_us())
    save_line(sim.store, line)
    return {"referenceLineItemID": line["ref"], "rewardStatus": "REDEEMED"}


def _withhold(sim: Simulator, req: Request) -> Any:
    """Start / stop withholding webhook deliveries (all subscriptions, or one webhookId).
    Withheld events still get their revision and are stored (deliveryStatus WITHHELD), so a
    client sees a revision gap and fills it with POST /webhooks/{id}/replay. Stopping does not
    deliver them unless ``deliverWithheld`` is true."""
    hooks = sim.webhooks
    if req.method == "POST":
        body = parse_object(req.body)
        enabled, webhook_id = body.get("enabled"), body.get("webhookId")
        if not isinstance(enabled, bool):
            raise _bad("'enabled' must be true or false", "enabled")
        if webhook_id is not None and (
            not isinstance(webhook_id, str)
            or sim.store.one("SELECT id FROM webhooks WHERE id = ?", (webhook_id,)) is None
        ):
            raise ApiError(404, "404.001", f"Webhook '{webhook_id}' not found")
        if webhook_id is None:
            hooks.withhold_all = enabled
            if not enabled:
                hooks.withhold_ids.clear()
        elif enabled:
            hooks.withhold_ids.add(webhook_id)
        else:
            hooks.withhold_ids.discard(webhook_id)
        if not enabled and body.get("deliverWithheld") is True:
            hooks.release_withheld(webhook_id)
    withheld = sim.store.scalar(
        "SELECT COUNT(*) FROM webhook_events WHERE delivery_status = 'WITHHELD'"
    )
    return {
        "withholdAll": hooks.withhold_all,
        "webhookIds": sorted(hooks.withhold_ids),
        "withheldEvents": int(withheld or 0),
    }


def _config(sim: Simulator, req: Request) -> Any:
    if req.method == "POST":
        try:
            sim.configure(plain(parse_object(req.body)))
        except ConfigError as exc:
            raise _bad(str(exc)) from exc
    return sim.config.public()


def _reset(sim: Simulator, req: Request) -> Any:
    sim.reset()
    return {"status": "reset", **clock_view(sim)}


def stats(sim: Simulator, req: Request) -> Any:
    store = sim.store
    by_ref: dict[str, int] = {}
    by_account_ref: dict[str, int] = {}
    for row in store.all(
        "SELECT account, external_ref, COUNT(*) AS n FROM orders"
        " WHERE external_ref IS NOT NULL GROUP BY account, external_ref"
    ):
        by_ref[row["external_ref"]] = by_ref.get(row["external_ref"], 0) + row["n"]
        by_account_ref[f"{row['account']}/{row['external_ref']}"] = row["n"]
    statuses = {
        r["status"]: r["n"]
        for r in store.all("SELECT status, COUNT(*) AS n FROM orders GROUP BY status")
    }
    counters = sim.stats.snapshot()
    return {
        "orders_total": store.scalar("SELECT COUNT(*) FROM orders"),
        "line_items_total": store.scalar("SELECT COUNT(*) FROM line_items"),
        "orders_by_status": statuses,
        "orders_without_external_ref": store.scalar(
            "SELECT COUNT(*) FROM orders WHERE external_ref IS NULL"
        ),
        "orders_by_external_ref": by_ref,
        "orders_by_account_external_ref": by_account_ref,
        "duplicate_external_refs": sorted(k for k, n in by_account_ref.items() if n > 1),
        "posts_orders": counters.get("posts_orders", 0),
        "posts_async_orders": counters.get("posts_async_orders", 0),
        "responses_429": counters.get("responses_429", 0),
        "responses_409": counters.get("responses_409", 0),
        "webhook_events_total": store.scalar("SELECT COUNT(*) FROM webhook_events"),
        "webhook_events_by_status": {
            r["delivery_status"]: r["n"]
            for r in store.all(
                "SELECT delivery_status, COUNT(*) AS n FROM webhook_events GROUP BY 1"
            )
        },
        "counters": counters,
    }


ADMIN_ROUTES: list[Route] = [
    route("GET", "/health", lambda s, r: {"status": "ok"}, tx=False),
    route("POST", "/reset", _reset, tx=False),
    route("GET", "/clock", lambda s, r: clock_view(s)),
    route("POST", "/clock/advance", _advance),
    route("POST", "/accounts/{a}/fund", _fund),
    route("POST", "/accounts/{a}/status", _account_status),
    route("POST", "/orders/{ref}/transition", _transition),
    route("POST", "/lineItems/{ref}/redeem", _redeem),
    route("GET", "/webhooks/withhold", _withhold),
    route("POST", "/webhooks/withhold", _withhold),
    route("GET", "/config", _config),
    route("POST", "/config", _config, tx=False),
    route("GET", "/stats", stats),
    route("POST", "/bulk/orders", bulk_orders),
    *DRIFT_ROUTES,
]
