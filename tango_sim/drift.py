"""Silent drift injection for reconciliation tests (admin API under ``/__sim/drift``).

Each endpoint changes what Tango "has" without telling anyone: no webhook is stored or sent
(``WebhookService.silenced``), nothing else is recomputed, no refund or re-charge happens unless
stated. Contrast ``/__sim/accounts/{a}/fund`` (Transaction webhook) and
``/__sim/orders/{ref}/transition`` (full side effects).

=======================================  ====================================================
``POST /drift/orders/{ref}``             ``{"status": "..."}``: the order's status only (any
                                         string); line items untouched
``POST /drift/lineItems/{ref}``          any of ``status``, ``rewardStatus`` (strings),
                                         ``amountCharged`` ``{value, fee, total}`` (each
                                         optional, account currency; not recomputed, balance
                                         untouched), ``recipient`` ``{firstName, lastName,
                                         email, mobileNumber}`` (null removes a field)
``DELETE /drift/orders/{ref}``           Tango no longer has the order: it, its line items and
                                         their timers are deleted (balance untouched)
``POST /drift/orders``                   an order the client never placed: a POST /orders body
                                         (validated the same way) plus optional ``createdAt``
                                         (simulated time, default now) and ``debit`` (default
                                         true); no TPS limit, not counted in ``posts_orders``
``POST /drift/accounts/{a}/balance``     ``{"delta": n}`` or ``{"balance": n}``: an
                                         unexplained balance change, no Transaction event
=======================================  ====================================================
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import errors as E
from .errors import ApiError, FieldError, field_errors
from .orders import check_account, existing_order, order_data, place
from .queries import get_line_item_view, get_order_view
from .records import get_account, get_line_by_ref, get_order_by_ref, save_line, save_order
from .routes import Request, Route, route
from .scenarios import apply_due
from .store import iso, money, parse_iso, to_cents
from .validation import (
    EMAIL_RE,
    check_identity,
    check_line_fields,
    check_line_rules,
    check_string,
    parse_object,
    plain,
)

if TYPE_CHECKING:
    from .app import Simulator

RECIPIENT_KEYS = ("firstName", "lastName", "email", "mobileNumber")


def _bad(message: str, path: str = "body", value: Any = None) -> ApiError:
    return field_errors([FieldError(path, "400.001", message, plain(value))])


def _status(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise _bad("must be a non-blank string of at most 64 characters", path, value)
    return value


def _cents(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise _bad("must be a number", path, value)
    return to_cents(value)


def _done(sim: Simulator, what: str) -> None:
    sim.stats.incr("drift_injected")
    sim.stats.incr(f"drift_{what}")


def _order(sim: Simulator, req: Request) -> Any:
    body = parse_object(req.body)
    order = get_order_by_ref(sim.store, req.params["ref"])
    if order is None:
        raise E.not_found_order(req.params["ref"])
    if "status" not in body:
        raise _bad("'status' is required", "status")
    with sim.webhooks.silenced():
        order["status"] = _status(body["status"], "status")
        save_order(sim.store, order)
    _done(sim, "order_status")
    return get_order_view(sim, order["ref"])


def _line(sim: Simulator, req: Request) -> Any:
    body = parse_object(req.body)
    line = get_line_by_ref(sim.store, req.params["ref"])
    if line is None:
        raise E.not_found_line_item(req.params["ref"])
    known = {"status", "rewardStatus", "amountCharged", "recipient"}
    if not known & body.keys():
        raise _bad(f"give at least one of {', '.join(sorted(known))}")
    with sim.webhooks.silenced():
        if "status" in body:
            line["status"] = _status(body["status"], "status")
            _done(sim, "line_status")
        if "rewardStatus" in body:
            value = body["rewardStatus"]
            line["reward_status"] = None if value is None else _status(value, "rewardStatus")
            _done(sim, "reward_status")
        if "amountCharged" in body:
            _amount(sim, line, body["amountCharged"])
        if "recipient" in body:
            _recipient(sim, line, body["recipient"])
        save_line(sim.store, line)
    return get_line_item_view(sim, line["ref"])


def _amount(sim: Simulator, line: dict[str, Any], charged: Any) -> None:
    fields = {"value": "charged_cents", "fee": "fee_cents", "total": "total_cents"}
    if not isinstance(charged, dict) or not fields.keys() & charged.keys():
        raise _bad("amountCharged must be an object with value, fee and/or total", "amountCharged")
    columns = {
        column: _cents(charged[key], f"amountCharged.{key}")
        for key, column in fields.items()
        if key in charged
    }
    sim.store.update("line_items", line["id"], **columns)
    line.update(columns)
    _done(sim, "amount")


def _recipient(sim: Simulator, line: dict[str, Any], changes: Any) -> None:
    if not isinstance(changes, dict) or not set(RECIPIENT_KEYS) & changes.keys():
        raise _bad(f"recipient must set one of {', '.join(RECIPIENT_KEYS)}", "recipient")
    recipient = dict(line["data"].get("recipient") or {})
    for key in RECIPIENT_KEYS:
        if key not in changes:
            continue
        value = changes[key]
        if value is None:
            recipient.pop(key, None)
            continue
        if not isinstance(value, str) or (key == "email" and not EMAIL_RE.match(value)):
            raise _bad("must be a string (email: an address)", f"recipient.{key}", value)
        recipient[key] = value
    line["data"]["recipient"] = recipient or None
    line["recipient_email"] = recipient.get("email")
    _done(sim, "recipient")


def _delete(sim: Simulator, req: Request) -> Any:
    order = get_order_by_ref(sim.store, req.params["ref"])
    if order is None:
        raise E.not_found_order(req.params["ref"])
    store = sim.store
    store.execute(
        "DELETE FROM timers WHERE line_item_id IN (SELECT id FROM line_items WHERE order_id = ?)",
        (order["id"],),
    )
    lines = store.execute("DELETE FROM line_items WHERE order_id = ?", (order["id"],)).rowcount
    store.execute("DELETE FROM orders WHERE id = ?", (order["id"],))
    _done(sim, "deleted")
    return {"deleted": order["ref"], "lineItems": lines}


def _create(sim: Simulator, req: Request) -> Any:
    """An order that exists at Tango only (the client never placed it)."""
    body = parse_object(req.body)
    errors: list[FieldError] = []
    customer_id, account_id = check_identity(body, errors)
    ref = check_string(body, "externalRefID", errors, max_len=100, key_len=E.EXTERNAL_REF_LENGTH)
    parts = check_line_fields(body, errors)
    data = order_data(body, errors)
    debit = body.get("debit", True)
    if not isinstance(debit, bool):
        errors.append(FieldError("debit", E.FIELD_TYPE, "must be a boolean", plain(debit)))
    created = body.get("createdAt")
    at = sim.store.now_us()
    if created is not None:
        try:
            at = parse_iso(str(created))
        except ValueError:
            errors.append(FieldError("createdAt", E.BAD_DATE, "must be RFC 3339", created))
    if errors:
        raise field_errors(errors)
    account = check_account(sim, customer_id, account_id)
    if ref and existing_order(sim, account_id, "RA", ref) is not None:
        raise _bad(f"externalRefID '{ref}' is already used on {account_id}", "externalRefID")
    spec = check_line_rules(parts)
    before = account["balance_cents"]
    with sim.webhooks.silenced():
        order = place(sim, account, spec, data, ref, at)
        if not debit:  # undo the debit the placement made; refunds (FAILED...) stay consistent
            after = get_account(sim.store, account_id)
            assert after is not None
            delta = before - after["balance_cents"]
            sim.store.update("accounts", account_id, balance_cents=before)
            order["data"]["driftUndebited"] = money(delta)
            save_order(sim.store, order)
        # A past createdAt: its lifecycle (delivery, returns...) catches up now, silently too.
        # Other timers already fired when this transaction began.
        apply_due(sim)
    _done(sim, "created")
    return 201, get_order_view(sim, order["ref"])


def _balance(sim: Simulator, req: Request) -> Any:
    body = parse_object(req.body)
    account = get_account(sim.store, req.params["a"])
    if account is None:
        raise ApiError(404, E.ACCOUNT_NOT_FOUND, f"Account '{req.params['a']}' not found")
    before = account["balance_cents"]
    if ("delta" in body) == ("balance" in body):
        raise _bad("give exactly one of 'delta' or 'balance'")
    if "delta" in body:
        after = before + _cents(body["delta"], "delta")
    else:
        after = _cents(body["balance"], "balance")
    sim.store.update("accounts", account["identifier"], balance_cents=after)
    _done(sim, "balance")
    return {
        "accountIdentifier": account["identifier"],
        "previousBalance": money(before),
        "currentBalance": money(after),
        "at": iso(sim.store.now_us()),
    }


DRIFT_ROUTES: list[Route] = [
    route("POST", "/drift/orders", _create),
    route("POST", "/drift/orders/{ref}", _order),
    route("DELETE", "/drift/orders/{ref}", _delete),
    route("POST", "/drift/lineItems/{ref}", _line),
    route("POST", "/drift/accounts/{a}/balance", _balance),
]
