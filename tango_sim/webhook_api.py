"""Webhook subscription endpoints under /raas/v2/webhooks (§13.1)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from . import errors as E
from .errors import ApiError, FieldError, field_errors
from .store import DAY, dumps, iso
from .validation import parse_object
from .webhooks import EVENT_CATEGORIES, lifetime_us, subscription_view

if TYPE_CHECKING:
    from .app import Simulator

TEST_NAMES = (
    "ConnectivityTest",
    "ItemAvailability",
    "RewardStatus",
    "Transaction",
    "LowBalance",
    "AccountStatus",
    "CredentialStatus",
    "LineItemDeliveryStatus",
    "AsyncOrderStatus",
    "ExchangeRatesStatus",
)
CATEGORIES = sorted(set(EVENT_CATEGORIES.values()))
TEST_DATA: dict[str, dict[str, Any]] = {
    "ConnectivityTest": {"message": "Connectivity test from the Tango simulator"},
    "ItemAvailability": {"utid": "U100001", "status": "active"},
    "RewardStatus": {
        "referenceLineItemId": "RA000000-0-00-1",
        "externalRefID": None,
        "action": "FREEZE",
        "reasonCode": "OTHER",
        "reason": "test",
        "status": "FROZEN",
        "type": "REWARD",
        "newReferenceLineItemId": None,
    },
    "Transaction": {
        "customerIdentifier": "acme-main",
        "accountIdentifier": "acme-usd-01",
        "transactionType": "DEPOSIT",
        "transactionId": "T0",
        "amount": 1.0,
        "currency": "USD",
    },
    "LowBalance": {
        "accountIdentifier": "acme-usd-01",
        "balance": 1.0,
        "balanceThreshold": 10.0,
        "balanceAlertIdentifier": "alert-acme-usd-01",
    },
    "AccountStatus": {"accountIdentifier": "acme-usd-01", "status": "ACTIVE"},
    "CredentialStatus": {
        "platformName": "test",
        "credentialName": "key",
        "credentialType": "API_KEY",
        "status": "ACTIVE",
        "lastUpdatedBy": "sim",
    },
    "LineItemDeliveryStatus": {"referenceLineItemId": "RA000000-0-00-1", "status": "SHIPPED"},
    "AsyncOrderStatus": {
        "externalRefID": "test",
        "status": "SUCCESSFUL",
        "totalLineItems": 1,
        "failedLineItems": 0,
        "successfulLineItems": 1,
        "referenceOrderId": "AA000000-0-00",
        "accountIdentifier": "acme-usd-01",
        "customerIdentifier": "acme-main",
    },
    "ExchangeRatesStatus": {"status": "UPDATED"},
}


def _validate(body: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    errors: list[FieldError] = []
    data: dict[str, Any] = {}
    url = body.get("url")
    if url is not None or not partial:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            errors.append(FieldError("url", E.FIELD_PATTERN, "must be an http(s) URL", url, "URL"))
        data["url"] = url
    for key, allowed in (("categories", CATEGORIES), ("eventTypes", tuple(EVENT_CATEGORIES))):
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or any(v not in allowed for v in value):
            errors.append(
                FieldError(
                    key, E.FIELD_ENUM, f"values must be in {', '.join(allowed)}", value, "Enum"
                )
            )
        data[key] = value
    headers = body.get("headers")
    if headers is not None:
        if not isinstance(headers, list) or not all(
            isinstance(h, dict) and isinstance(h.get("name"), str) for h in headers
        ):
            errors.append(
                FieldError("headers", E.FIELD_TYPE, "must be [{name, value}]", None, "Type")
            )
        else:
            data["headers"] = [
                {"name": h["name"], "value": str(h.get("value", ""))} for h in headers
            ]
    secret = body.get("hmacSharedSecretKey")
    method = body.get("payloadVerificationMethod") or ("HMAC" if secret else None)
    if method is not None or not partial:
        method = method or "NONE"
        if method not in ("HMAC", "X509", "NONE"):
            errors.append(
                FieldError(
                    "payloadVerificationMethod",
                    E.FIELD_ENUM,
                    "must be HMAC, X509 or NONE",
                    method,
                    "Enum",
                )
            )
        data["payloadVerificationMethod"] = method
    if method == "HMAC":
        try:
            base64.b64decode(str(secret or ""), validate=True)
            if not secret:
                raise ValueError("empty")
        except (binascii.Error, ValueError):
            errors.append(
                FieldError(
                    "hmacSharedSecretKey",
                    E.FIELD_PATTERN,
                    "a base64 key is required for HMAC",
                    None,
                    "Base64",
                )
            )
        data["hmacSharedSecretKey"] = secret
    if method == "X509":
        if not body.get("signingCertificate"):
            errors.append(
                FieldError(
                    "signingCertificate", E.FIELD_REQUIRED, "required for X509", None, "NotNull"
                )
            )
        data["signingCertificate"] = body.get("signingCertificate")
    if errors:
        raise field_errors(errors)
    return data


def _get(sim: Simulator, webhook_id: str) -> Any:
    row = sim.store.one("SELECT * FROM webhooks WHERE id = ?", (webhook_id,))
    if row is None:
        raise ApiError(404, "404.001", f"Webhook '{webhook_id}' not found", tokens=[webhook_id])
    return row


def create(sim: Simulator, raw: bytes) -> tuple[int, Any]:
    data = _validate(parse_object(raw))
    data.setdefault("headers", [])
    data.setdefault("categories", [])
    data.setdefault("eventTypes", [])
    return 201, sim.webhooks.create(data)


def list_all(sim: Simulator, query: dict[str, list[str]]) -> dict[str, Any]:
    rows = sim.store.all("SELECT * FROM webhooks ORDER BY created_us, id")
    if query.get("url"):
        rows = [r for r in rows if r["url"] == query["url"][0]]
    items = [subscription_view(r) for r in rows][:200]
    return {
        "numberOfElements": len(items),
        "maxResults": 200,
        "prevCursor": None,
        "nextCursor": None,
        "items": items,
        "prevPageAvailable": False,
        "nextPageAvailable": False,
    }


def get(sim: Simulator, webhook_id: str) -> dict[str, Any]:
    return subscription_view(_get(sim, webhook_id))


def update(sim: Simulator, webhook_id: str, raw: bytes) -> dict[str, Any]:
    row = _get(sim, webhook_id)
    current = json.loads(row["data"])
    current.update(_validate(parse_object(raw), partial=True))
    sim.store.update("webhooks", webhook_id, url=current["url"], data=dumps(current))
    return subscription_view(_get(sim, webhook_id))


def delete(sim: Simulator, webhook_id: str) -> dict[str, Any]:
    _get(sim, webhook_id)
    sim.store.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,))
    sim.store.execute("DELETE FROM webhook_events WHERE webhook_id = ?", (webhook_id,))
    return {"webhookId": webhook_id}


def renew(sim: Simulator, webhook_id: str) -> dict[str, Any]:
    row = _get(sim, webhook_id)
    data = json.loads(row["data"])
    data["expiresAt"] = iso(sim.store.now_us() + lifetime_us(sim))
    sim.store.update("webhooks", webhook_id, data=dumps(data))
    return {"webhookId": webhook_id, "expiresAt": data["expiresAt"]}


def _revision(query: dict[str, list[str]], name: str) -> int | None:
    values = query.get(name)
    if not values or values[0] == "":
        return None
    try:
        return int(values[0])
    except ValueError as exc:
        raise field_errors(
            [FieldError(name, E.FIELD_TYPE, "must be an integer", values[0], "Type")]
        ) from exc


EVENTS_DEFAULT, EVENTS_MAX = 100, 200


def _events(
    sim: Simulator,
    webhook_id: str,
    low: int | None,
    high: int | None,
    limit: int | None = None,
    event_type: str | None = None,
) -> list[Any]:
    sql = "SELECT * FROM webhook_events WHERE webhook_id = ? AND revision >= ?"
    params: list[Any] = [webhook_id, low or 0]
    if high is not None:
        sql += " AND revision <= ?"
        params.append(high)
    if event_type:
        sql += " AND event_type = ?"
        params.append(event_type)
    sql += " ORDER BY revision"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return sim.store.all(sql, params)


def _range(query: dict[str, list[str]]) -> tuple[int | None, int | None]:
    low, high = _revision(query, "fromRevision"), _revision(query, "toRevision")
    if low is not None and high is not None and high < low:
        raise field_errors(
            [FieldError("toRevision", E.FIELD_PATTERN, "must be >= fromRevision", high, "Min")]
        )
    return low, high


def events(sim: Simulator, webhook_id: str, query: dict[str, list[str]]) -> dict[str, Any]:
    """Stored events in revision order; cursor paging (``nextCursor`` = next revision)."""
    _get(sim, webhook_id)
    low, high = _range(query)
    limit = _revision(query, "maxResults") or EVENTS_DEFAULT
    limit = max(1, min(limit, EVENTS_MAX))
    cursor = _revision(query, "nextCursor")
    start = max(low or 0, cursor or 0)
    event_type = (query.get("eventType") or [None])[0]
    rows = _events(sim, webhook_id, start, high, limit + 1, event_type)
    more = len(rows) > limit
    items = []
    for row in rows[:limit]:
        body = json.loads(row["body"])
        items.append(
            {
                **body,
                "categories": [body["category"]],
                "deliveryStatus": row["delivery_status"],
                "attempts": row["attempts"],
                "lastHttpStatus": row["last_http_status"],
            }
        )
    return {
        "webhookId": webhook_id,
        "numberOfElements": len(items),
        "maxResults": limit,
        "prevCursor": None,
        "nextCursor": str(items[-1]["revision"] + 1) if more else None,
        "prevPageAvailable": start > (low or 0),
        "nextPageAvailable": more,
        "items": items,
    }


def replay(sim: Simulator, webhook_id: str, query: dict[str, list[str]]) -> dict[str, Any]:
    """Redeliver stored events (up to 90 days back), withheld or not, signed as usual."""
    _get(sim, webhook_id)
    low, high = _range(query)
    if low is None:
        raise field_errors([FieldError("fromRevision", E.FIELD_REQUIRED, "may not be null")])
    cutoff = iso(sim.store.now_us() - 90 * DAY) or ""
    rows = [r for r in _events(sim, webhook_id, low, high) if r["occurred_at"] >= cutoff]
    for row in rows:
        sim.store.after_commit(lambda row_id=row["id"]: sim.webhooks.enqueue(row_id))
    sim.stats.incr("webhooks_replayed", len(rows))
    return {
        "webhookId": webhook_id,
        "fromRevision": low,
        "toRevision": high,
        "numberOfEvents": len(rows),
    }


def run_tests(sim: Simulator, webhook_id: str, test_name: str | None) -> dict[str, Any]:
    _get(sim, webhook_id)
    if test_name is not None and test_name not in TEST_NAMES:
        raise ApiError(404, "404.001", f"Unknown test '{test_name}'", tokens=[test_name])
    names = [test_name] if test_name else list(TEST_NAMES)
    event_ids: list[str] = []
    for name in names:
        event_ids += sim.webhooks.emit(name, dict(TEST_DATA[name]), only_webhook=webhook_id)
    return {"webhookId": webhook_id, "tests": names, "eventIds": event_ids}


def event_types() -> dict[str, Any]:
    items = [
        {"category": c, "eventTypes": sorted(t for t, cat in EVENT_CATEGORIES.items() if cat == c)}
        for c in CATEGORIES
    ]
    return {"items": items}
