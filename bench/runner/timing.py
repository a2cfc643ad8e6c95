"""Percentiles of repeated requests, and a page's main query timed on its own (bare SQL)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "mean_ms": round(statistics.fmean(values), 2),
    }


def measure(
    fn: Callable[[], Any],
    *,
    requests: int,
    warmup: int,
    before: Callable[[], Any] | None = None,
    budget: float | None = None,
) -> dict[str, Any]:
    """Call `fn` `warmup` times, then `requests` times timed; `before` runs untimed first.

    With a `budget` (seconds), a cell stops early once it has spent it and has at least
    MIN_REQUESTS timings (the result says how many: "n"); a warm-up slower than a tenth of
    the budget is not repeated.
    """
    for _ in range(warmup):
        if before:
            before()
        t0 = time.perf_counter()
        fn()
        if budget and time.perf_counter() - t0 > budget / 10:
            break
    times: list[float] = []
    spent = 0.0
    for _ in range(requests):
        if budget and spent > budget and len(times) >= MIN_REQUESTS:
            break
        if before:
            before()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        spent += times[-1] / 1000
    result = summary(times)
    if len(times) < requests:
        result["stopped_by_budget"] = True
    return result


MIN_REQUESTS = 5
IGNORED = ("django_session", "auth_user", "django_content_type", "auth_permission", "SAVEPOINT")


def main_query(captured: list[dict[str, str]], how: str = "slowest") -> str | None:
    """The slowest (or longest) captured SELECT that is not session/user bookkeeping."""
    candidates = [q for q in captured if not any(word in q["sql"] for word in IGNORED)]
    candidates = [q for q in candidates if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    if not candidates:
        return None
    if how == "longest":  # a server-side cursor's execute time says nothing of its fetches
        return max(candidates, key=lambda q: len(q["sql"]))["sql"]
    return max(candidates, key=lambda q: float(q["time"] or 0))["sql"]


def time_sql(
    sql: str, *, requests: int, warmup: int, budget: float | None = None
) -> dict[str, Any]:
    """Execute and fetch `sql` (already interpolated by Django's capture) repeatedly."""
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    return measure(run, requests=requests, warmup=warmup, budget=budget)


def cpu_gauge() -> float:
    """Milliseconds a fixed pure-Python workload takes (best of 5): how fast this machine is
    right now. A shared VM's speed drifts (2x within one session has been seen here), so
    every run prints it at its start and end; compare runs by it, not only by their ms."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)
