"""Webhook subscriptions, stored events and background delivery (TANGO_API.md §13).

Every emitted event is stored per matching subscription with a per-subscription ``revision``
and delivered from one background thread: POST of the §13.3 envelope, header
``X-Signed-Payload`` = base64(HMAC-SHA256(base64decode(secret), raw body)) when the
subscription uses HMAC. Non-2xx answers or network errors are retried ``webhook_retries`` times
with exponential back-off (``webhook_backoff_seconds``, real time).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .store import DAY, dumps, iso

if TYPE_CHECKING:
    from .app import Simulator

EVENT_CATEGORIES: dict[str, str] = {
    "AsyncOrderStatus": "ORDER",
    "LineItemDeliveryStatus": "ORDER",
    "OrderActionStatus": "ORDER",
    "RewardStatus": "REWARD",
    "AccountStatus": "ACCOUNT",
    "LowBalance": "ACCOUNT",
    "Transaction": "ACCOUNT",
    "ItemAvailability": "ITEM",
    "CredentialStatus": "PLATFORM",
    "ConnectivityTest": "PLATFORM",
    "ExchangeRatesStatus": "EXCHANGE_RATES",
}


def lifetime_us(sim: Simulator) -> int:
    """Subscription lifetime (create and renew): ``webhook_lifetime_days`` simulated days."""
    return int(float(sim.config["webhook_lifetime_days"]) * DAY)


def sign(secret_b64: str, body: bytes) -> str:
    key = base64.b64decode(secret_b64)
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def subscription_view(row: Any) -> dict[str, Any]:
    data = json.loads(row["data"])
    return {
        "webhookId": row["id"],
        "url": row["url"],
        "headers": [{"name": h["name"], "value": "***"} for h in data.get("headers", [])],
        "categories": data.get("categories", []),
        "eventTypes": data.get("eventTypes", []),
        "payloadVerificationMethod": data.get("payloadVerificationMethod", "NONE"),
        "createdAt": iso(row["created_us"]),
        "expiresAt": data.get("expiresAt"),
    }


class WebhookService:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._heap: list[tuple[float, int, int, int, int]] = []
        self._seq = itertools.count()
        self._generation = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        # Withholding (admin): events still get a revision and are stored, but not delivered.
        self.withhold_all = False
        self.withhold_ids: set[str] = set()
        # Silent drift (admin): while > 0, emit() stores and sends nothing at all.
        self.muted = 0

    # subscriptions -----------------------------------------------------------------------

    def create(self, data: dict[str, Any], *, is_default: bool = False) -> dict[str, Any]:
        """Insert a subscription (inside a transaction); returns {webhookId, expiresAt}."""
        store = self.sim.store
        now = store.now_us()
        webhook_id = str(uuid.uuid4())
        data = dict(data)
        data["expiresAt"] = iso(now + lifetime_us(self.sim))
        store.execute(
            "INSERT INTO webhooks(id, url, created_us, is_default, data) VALUES(?,?,?,?,?)",
            (webhook_id, data["url"], now, int(is_default), dumps(data)),
        )
        return {"webhookId": webhook_id, "expiresAt": data["expiresAt"]}

    def ensure_default(self) -> None:
        """Keep the config's webhook_url/webhook_secret as one subscription to all events."""
        store = self.sim.store
        url, secret = self.sim.config["webhook_url"], self.sim.config["webhook_secret"]
        store.execute("DELETE FROM webhooks WHERE is_default = 1 AND url != ?", (url or "",))
        row = store.one("SELECT * FROM webhooks WHERE is_default = 1")
        data = {
            "url": url,
            "headers": [],
            "categories": [],
            "eventTypes": [],
            "payloadVerificationMethod": "HMAC" if secret else "NONE",
            "hmacSharedSecretKey": secret,
        }
        if not url:
            return
        if row is None:
            self.create(data, is_default=True)
        else:
            current = json.loads(row["data"])
            current.update(data)
            store.update("webhooks", row["id"], data=dumps(current))

    # emission ----------------------------------------------------------------------------

    def emit(
        self,
        event_type: str,
        event_data: dict[str, Any],
        occurred_us: int | None = None,
        *,
        only_webhook: str | None = None,
    ) -> list[str]:
        """Store the event for each matching subscription; deliver after commit."""
        if self.muted:
            return []
        store = self.sim.store
        now = store.now_us()
        occurred = iso(occurred_us if occurred_us is not None else now)
        category = EVENT_CATEGORIES.get(event_type, "ORDER")
        if only_webhook is not None:
            subscriptions = store.all("SELECT * FROM webhooks WHERE id = ?", (only_webhook,))
        else:
            subscriptions = store.all("SELECT * FROM webhooks ORDER BY created_us, id")
        event_ids: list[str] = []
        for sub in subscriptions:
            data = json.loads(sub["data"])
            if only_webhook is None and not _matches(data, category, event_type):
                continue
            if data.get("expiresAt") and data["expiresAt"] < (iso(now) or ""):
                continue
            revision = int(sub["next_revision"])
            store.update("webhooks", sub["id"], next_revision=revision + 1)
            event_id = str(uuid.uuid4())
            envelope = {
                "eventId": event_id,
                "revision": revision,
                "category": category,
                "eventType": event_type,
                "eventOccurredAt": occurred,
                "eventData": event_data,
            }
            withheld = self.is_withheld(sub["id"])
            cursor = store.execute(
                "INSERT INTO webhook_events(webhook_id, revision, event_id, category,"
                " event_type, occurred_at, body, delivery_status) VALUES(?,?,?,?,?,?,?,?)",
                (
                    sub["id"],
                    revision,
                    event_id,
                    category,
                    event_type,
                    occurred,
                    json.dumps(envelope),
                    "WITHHELD" if withheld else "PENDING",
                ),
            )
            row_id = int(cursor.lastrowid or 0)
            if withheld:
                self.sim.stats.incr("webhooks_withheld")
            else:
                store.after_commit(lambda row_id=row_id: self.enqueue(row_id))
            event_ids.append(event_id)
        return event_ids

    # delivery ----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="webhook-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def forget_queue(self) -> None:
        """Drop queued deliveries and stop withholding (used by reset)."""
        with self._cond:
            self._generation += 1
            self._heap.clear()
        self.withhold_all = False
        self.withhold_ids.clear()

    @contextmanager
    def silenced(self) -> Iterator[None]:
        """No event is stored or sent inside this block (drift injection)."""
        self.muted += 1
        try:
            yield
        finally:
            self.muted -= 1

    def is_withheld(self, webhook_id: str) -> bool:
        return self.withhold_all or webhook_id in self.withhold_ids

    def release_withheld(self, webhook_id: str | None = None) -> int:
        """Deliver the events withheld so far (inside a transaction); returns how many."""
        sql, params = "SELECT id FROM webhook_events WHERE delivery_status = 'WITHHELD'", []
        if webhook_id is not None:
            sql, params = sql + " AND webhook_id = ?", [webhook_id]
        rows = self.sim.store.all(sql + " ORDER BY id", params)
        for row in rows:
            self.sim.store.after_commit(lambda row_id=row["id"]: self.enqueue(row_id))
        return len(rows)

    def enqueue(self, event_row_id: int, attempt: int = 0, delay: float = 0.0) -> None:
        with self._cond:
            item = (
                time.monotonic() + delay,
                next(self._seq),
                event_row_id,
                attempt,
                self._generation,
            )
            heapq.heappush(self._heap, item)
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    if self._heap and self._heap[0][0] <= time.monotonic():
                        break
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if self._stopping:
                    return
                _, _, row_id, attempt, generation = heapq.heappop(self._heap)
                if generation != self._generation:
                    continue
            try:
                self._deliver(row_id, attempt)
            except Exception as exc:  # keep the thread alive whatever happens
                print(f"webhook delivery error: {exc!r}", file=sys.stderr)

    def _deliver(self, row_id: int, attempt: int) -> None:
        store = self.sim.store
        with store.lock:
            event = store.one("SELECT * FROM webhook_events WHERE id = ?", (row_id,))
            sub = None
            if event is not None:
                sub = store.one("SELECT * FROM webhooks WHERE id = ?", (event["webhook_id"],))
        if event is None or sub is None:
            return
        data = json.loads(sub["data"])
        body = event["body"].encode()
        headers = {"Content-Type": "application/json", "User-Agent": "tango-sim-webhooks/1"}
        for header in data.get("headers", []):
            headers[str(header["name"])] = str(header["value"])
        if data.get("payloadVerificationMethod") == "HMAC" and data.get("hmacSharedSecretKey"):
            headers["X-Signed-Payload"] = sign(data["hmacSharedSecretKey"], body)
        status: int | None = None
        try:
            request = urllib.request.Request(sub["url"], data=body, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=5) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError):
            status = None
        ok = status is not None and 200 <= status < 300
        retries = int(self.sim.config["webhook_retries"])
        final = ok or attempt >= retries
        outcome = "DELIVERED" if ok else ("FAILED" if final else "RETRYING")
        with store.lock:
            store.execute(
                "UPDATE webhook_events SET attempts = attempts + 1, last_http_status = ?,"
                " delivery_status = ? WHERE id = ?",
                (status, outcome, row_id),
            )
        self.sim.stats.incr("webhooks_delivered" if ok else "webhook_attempts_failed")
        if not final:
            backoff = float(self.sim.config["webhook_backoff_seconds"]) * (2**attempt)
            self.enqueue(row_id, attempt + 1, backoff)


def _matches(data: dict[str, Any], category: str, event_type: str) -> bool:
    categories = data.get("categories") or []
    event_types = data.get("eventTypes") or []
    if not categories and not event_types:
        return True
    return category in categories or event_type in event_types
