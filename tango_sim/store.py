"""SQLite persistence (WAL), the simulated clock and small value helpers.

One connection is shared by all request threads and guarded by ``Store.lock`` (an RLock):
every request that touches state runs inside ``Store.transaction()``, which takes the lock,
applies due time-based transitions first (see scenarios.apply_due) and commits at the end.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
  identifier TEXT PRIMARY KEY, display_name TEXT NOT NULL, status TEXT NOT NULL,
  created_us INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  identifier TEXT PRIMARY KEY, customer TEXT NOT NULL, account_number TEXT NOT NULL,
  display_name TEXT NOT NULL, currency TEXT NOT NULL, balance_cents INTEGER NOT NULL,
  status TEXT NOT NULL, created_us INTEGER NOT NULL, contact_email TEXT,
  low_balance_cents INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS orders (
  id INTEGER PRIMARY KEY, ref TEXT UNIQUE NOT NULL, source TEXT NOT NULL,
  customer TEXT NOT NULL, account TEXT NOT NULL, external_ref TEXT, status TEXT NOT NULL,
  created_us INTEGER NOT NULL, completed_us INTEGER, announced INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS orders_external_ref
  ON orders(account, source, external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_created ON orders(created_us DESC, id DESC);
CREATE TABLE IF NOT EXISTS line_items (
  id INTEGER PRIMARY KEY, ref TEXT UNIQUE NOT NULL, order_id INTEGER NOT NULL,
  line_number INTEGER NOT NULL, external_line_ref TEXT, customer TEXT NOT NULL,
  account TEXT NOT NULL, utid TEXT NOT NULL, reward_name TEXT NOT NULL,
  delivery_method TEXT NOT NULL, recipient_email TEXT, status TEXT NOT NULL, hold TEXT,
  email_status TEXT, delivery_status TEXT, reward_status TEXT, scenario INTEGER NOT NULL,
  amount_cents INTEGER NOT NULL, reward_currency TEXT NOT NULL,
  charged_cents INTEGER NOT NULL, fee_cents INTEGER NOT NULL, total_cents INTEGER NOT NULL,
  charge_currency TEXT NOT NULL, exchange_rate REAL NOT NULL,
  refunded_cents INTEGER NOT NULL DEFAULT 0, created_us INTEGER NOT NULL,
  completed_us INTEGER, frozen_until_us INTEGER, last_resend_us INTEGER,
  data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS line_items_order ON line_items(order_id, line_number);
CREATE INDEX IF NOT EXISTS line_items_sort ON line_items(created_us DESC, id DESC);
CREATE TABLE IF NOT EXISTS timers (
  id INTEGER PRIMARY KEY, due_us INTEGER NOT NULL, kind TEXT NOT NULL,
  line_item_id INTEGER NOT NULL, data TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS timers_due ON timers(due_us, id);
CREATE TABLE IF NOT EXISTS webhooks (
  id TEXT PRIMARY KEY, url TEXT NOT NULL, created_us INTEGER NOT NULL,
  next_revision INTEGER NOT NULL DEFAULT 1, is_default INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_events (
  id INTEGER PRIMARY KEY, webhook_id TEXT NOT NULL, revision INTEGER NOT NULL,
  event_id TEXT NOT NULL, category TEXT NOT NULL, event_type TEXT NOT NULL,
  occurred_at TEXT NOT NULL, body TEXT NOT NULL, delivery_status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, last_http_status INTEGER);
CREATE INDEX IF NOT EXISTS webhook_events_rev ON webhook_events(webhook_id, revision);
"""

TABLES = (
    "kv",
    "customers",
    "accounts",
    "orders",
    "line_items",
    "timers",
    "webhooks",
    "webhook_events",
)

US = 1_000_000
MINUTE = 60 * US
HOUR = 60 * MINUTE
DAY = 24 * HOUR


# -- values ---------------------------------------------------------------------------------


def iso(us: int | None) -> str | None:
    """Epoch microseconds -> ``2026-05-06T20:08:59.624Z``."""
    if us is None:
        return None
    dt = datetime.fromtimestamp(us / US, tz=UTC)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str, *, end_of_day: bool = False) -> int:
    """RFC 3339 date or date-time -> epoch microseconds (naive times are UTC)."""
    text = text.strip()
    if len(text) == 10:
        dt = datetime.fromisoformat(text).replace(tzinfo=UTC)
        us = int(dt.timestamp()) * US
        return us + DAY - 1 if end_of_day else us
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "+"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * US)


def money(cents: int | None) -> float | None:
    """Integer cents -> JSON number with two decimals."""
    return None if cents is None else round(cents / 100, 2)


def to_cents(value: Decimal | float | int) -> int:
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


# -- store ----------------------------------------------------------------------------------


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []
        self._offset_us: int | None = None
        # Called (under the lock, inside the transaction) before every transaction body.
        self.before_each: Callable[[], None] | None = None

    # transactions ------------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, apply_due: bool = True) -> Iterator[Store]:
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if apply_due and self.before_each is not None:
                    self.before_each()
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                self._after_commit.clear()
                self._offset_us = None
                raise
            finally:
                self._depth = 0
            self.conn.execute("COMMIT")
            callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    # queries -----------------------------------------------------------------------------

    def all(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def update(self, table: str, row_id: Any, **columns: Any) -> None:
        if not columns:
            return
        assignments = ", ".join(f"{name} = ?" for name in columns)
        key = "identifier" if table in {"accounts", "customers"} else "id"
        sql = f"UPDATE {table} SET {assignments} WHERE {key} = ?"  # noqa: S608 - internal names
        self.conn.execute(sql, [*columns.values(), row_id])

    # key/value + counters ----------------------------------------------------------------

    def kv_get(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM kv WHERE key = ?", (key,))
        return default if value is None else str(value)

    def kv_set(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO kv(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def next_counter(self, name: str, start: int = 1) -> int:
        value = int(self.kv_get(f"counter:{name}", str(start - 1)) or 0) + 1
        self.kv_set(f"counter:{name}", str(value))
        return value

    # clock -------------------------------------------------------------------------------

    def offset_us(self) -> int:
        if self._offset_us is None:
            self._offset_us = int(self.kv_get("clock_offset_us", "0") or 0)
        return self._offset_us

    def now_us(self) -> int:
        """Simulated now: real time plus the offset stored in the database."""
        return int(time.time() * US) + self.offset_us()

    def advance(self, seconds: float) -> None:
        self._offset_us = self.offset_us() + int(seconds * US)
        self.kv_set("clock_offset_us", str(self._offset_us))

    # lifecycle ---------------------------------------------------------------------------

    def wipe(self) -> None:
        for table in TABLES:
            self.conn.execute(f"DELETE FROM {table}")  # noqa: S608 - constant names
        self._offset_us = None

    def close(self) -> None:
        with self.lock:
            self.conn.close()
