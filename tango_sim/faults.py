"""Fault injection, the POST /orders token bucket and request counters.

Faults config (``faults`` / ``TANGO_SIM_FAULTS``)::

    {"rates": {"500": 0.05, "503": 0.05, "429": 0.05, "timeout": 0.02, "lost_response": 0.05},
     "timeout_seconds": 20, "seed": 42, "paths": ["/raas/v2/orders"], "methods": ["POST"],
     "lost_response_mode": "500"}

One draw from a seeded ``random.Random`` per matching request picks at most one fault
(cumulative in the order 500, 503, 429, timeout, lost_response), so a run with the same
requests in the same order is reproducible. ``paths`` are prefixes (default: every
``/raas/v2`` path); ``methods`` (optional) restricts the HTTP methods. ``lost_response_mode``
is ``"500"`` (answer 500 after committing) or ``"close"`` (drop the connection).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from typing import Any

FAULT_ORDER = ("500", "503", "429", "timeout", "lost_response")


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(0)
        self._fingerprint: str | None = None

    def reset(self) -> None:
        with self._lock:
            self._fingerprint = None

    def decide(self, faults: dict[str, Any], method: str, path: str) -> str | None:
        rates = faults.get("rates") or {}
        if not rates:
            return None
        paths = faults.get("paths") or ["/raas/v2"]
        if not any(path.startswith(prefix) for prefix in paths):
            return None
        methods = faults.get("methods")
        if methods and method.upper() not in {m.upper() for m in methods}:
            return None
        with self._lock:
            fingerprint = json.dumps(faults, sort_keys=True)
            if fingerprint != self._fingerprint:
                self._fingerprint = fingerprint
                self._rng = random.Random(faults.get("seed", 0))
            draw = self._rng.random()
        cumulative = 0.0
        for kind in FAULT_ORDER:
            cumulative += float(rates.get(kind, 0) or 0)
            if draw < cumulative:
                return kind
        return None


class TokenBucket:
    """``rate`` tokens per second, burst ``max(1, rate)``; rate 0 means unlimited."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rate = 0.0
        self._tokens = 0.0
        self._stamp = time.monotonic()

    def reset(self) -> None:
        with self._lock:
            self._rate = -1.0

    def take(self, rate: float) -> bool:
        if rate <= 0:
            return True
        with self._lock:
            now = time.monotonic()
            capacity = max(1.0, rate)
            if rate != self._rate:
                self._rate = rate
                self._tokens = capacity
            else:
                self._tokens = min(capacity, self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def incr(self, key: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[key] += amount

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
