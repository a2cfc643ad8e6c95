"""What the main process decides before the workers start: dates, shapes and forced cases.

* ``created_times``: one creation time per order over two years ending at ``now``: business
  growth (about 3x from the first month to the last), weekdays busier than weekends, a
  November/December peak, US business hours; sorted, so ids follow created_at like a real
  append-only table.
* ``line_counts``: 1 line for most orders; about 2.5 % are bulk (order source AA) with 2-200
  lines; plus the big bulk orders (by default 3 x 2,000 and 1 x 5,000 lines).
* ``forced_cases``: a few orders per status / placement state so that every value exists at
  any scale, stuck PENDING orders (older than a business day) and PARTIAL orders with exactly
  40 lines.
* ``chunk_tasks``: slices of the above with the first line-item id of each chunk, so workers
  can generate chunks in any order and the result is the same (deterministic per seed).
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate

from bench.datagen.text import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE

DAYS = 730
HOUR_WEIGHTS = (
    0.35, 0.25, 0.18, 0.12, 0.10, 0.10, 0.12, 0.20, 0.35, 0.50, 0.60, 0.70,
    0.85, 1.00, 1.00, 1.00, 1.00, 1.00, 0.95, 0.90, 0.80, 0.70, 0.60, 0.45,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.0, 1.05, 1.05, 1.0, 0.9, 0.35, 0.3)
MONTH_WEIGHTS = (0.85, 0.9, 1.0, 1.0, 1.0, 0.95, 0.9, 0.9, 1.0, 1.05, 1.25, 1.55)
# Bulk orders' line counts: (share, low, high)
BULK_SHARE = 0.025
BULK_MIX = ((0.50, 2, 3), (0.35, 4, 10), (0.13, 11, 50), (0.02, 51, 200))
DEFAULT_BIG_ORDERS = "2000:PARTIAL,2000:COMPLETE,2000:PENDING,5000:PARTIAL"

OPEN_RECENT = ("PENDING", "QUEUED")
OPEN_WEEKS = ("PENDING_MR", "ON_HOLD", "PENDING_KYB", "PENDING_PAYMENT")
FINAL = ("COMPLETE", "FAILED", "CANCELLED", "DELETED")
UNPLACED = (
    "draft",
    "awaiting_approval",
    "held",
    "queued",
    "placing",
    "placement_failed",
    "rejected",
    "withdrawn",
)


@dataclass(frozen=True)
class Forced:
    state: str  # placement state
    status: str  # Tango order status ('' when unplaced)
    lines: int | None = None  # override of the line count
    stuck: bool = False


@dataclass
class Plan:
    now_us: int
    created: list[int]
    lines: list[int]
    forced: dict[int, Forced] = field(default_factory=dict)

    @property
    def total_lines(self) -> int:
        return sum(self.lines)


def created_times(n: int, seed: int, now_us: int) -> list[int]:
    rng = random.Random(f"{seed}:created")
    start = now_us - DAYS * US_PER_DAY
    hours = DAYS * 24
    weights = []
    for j in range(hours):
        moment = datetime.fromtimestamp((start + j * US_PER_HOUR) / 1e6, tz=UTC)
        growth = 0.45 + 1.1 * j / hours
        weights.append(
            growth
            * HOUR_WEIGHTS[moment.hour]
            * WEEKDAY_WEIGHTS[moment.weekday()]
            * MONTH_WEIGHTS[moment.month - 1]
        )
    buckets = rng.choices(range(hours), cum_weights=list(accumulate(weights)), k=n)
    rand = rng.random
    times = [start + b * US_PER_HOUR + int(rand() * US_PER_HOUR) for b in buckets]
    times.sort()
    return [min(t, now_us - 1) for t in times]


def line_counts(n: int, seed: int) -> list[int]:
    rng = random.Random(f"{seed}:shapes")
    rand = rng.random
    cum = list(accumulate(share for share, _, _ in BULK_MIX))
    counts = []
    for _ in range(n):
        if rand() >= BULK_SHARE:
            counts.append(1)
            continue
        r = rand()
        _, low, high = BULK_MIX[min(bisect.bisect(cum, r), len(BULK_MIX) - 1)]
        # Skewed towards the low end of each band.
        counts.append(low + int((high - low + 1) * rand() ** 2))
    return counts


def parse_big_orders(spec: str) -> list[tuple[int, str]]:
    out = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        lines, _, status = part.partition(":")
        out.append((int(lines), status.strip().upper() or "COMPLETE"))
    return out


def _window(created: list[int], now_us: int, young_us: int, old_us: int) -> tuple[int, int]:
    """Index range of orders whose age is in [young_us, old_us)."""
    lo = bisect.bisect_left(created, now_us - old_us)
    hi = bisect.bisect_right(created, now_us - young_us)
    return lo, hi


def forced_cases(
    created: list[int], now_us: int, seed: int, big_orders: list[tuple[int, str]]
) -> dict[int, Forced]:
    """Orders whose status is fixed in advance (every value present at any scale)."""
    rng = random.Random(f"{seed}:forced")
    n = len(created)
    forced: dict[int, Forced] = {}

    def pick(young_us: int, old_us: int, case: Forced, count: int = 1) -> None:
        lo, hi = _window(created, now_us, young_us, old_us)
        free = [i for i in range(lo, hi) if i not in forced] if hi - lo < 5000 else None
        for _ in range(count):
            if free is not None:
                if not free:  # a tiny run: take the newest free orders
                    free = [i for i in range(n - 1, max(-1, n - 200), -1) if i not in forced]
                if not free:
                    return
                i = free.pop(rng.randrange(len(free)))
            else:
                i = rng.randrange(lo, hi)
                while i in forced:
                    i = rng.randrange(lo, hi)
            forced[i] = case

    hour, day = US_PER_HOUR, US_PER_DAY
    for lines, status in big_orders:
        if status in OPEN_RECENT:
            pick(20 * US_PER_MINUTE, 2 * hour, Forced("placed", status, lines))
        else:
            pick(30 * day, 600 * day, Forced("placed", status, lines))
    for status in OPEN_RECENT:
        pick(0, 2 * hour, Forced("placed", status), 3)
    for status in OPEN_WEEKS:
        pick(hour, 20 * day, Forced("placed", status), 3)
    for status in FINAL:
        pick(day, DAYS * day, Forced("placed", status), 3)
    pick(day, DAYS * day, Forced("placed", "PARTIAL", 40), 5)
    pick(day, DAYS * day, Forced("placed", "PARTIAL", 3), 5)
    pick(0, 30 * day, Forced("placed", "PARTIAL", 12), 3)
    # Stuck: PENDING at Tango for more than one business day.
    pick(3 * day, 60 * day, Forced("placed", "PENDING", stuck=True), max(3, n // 25_000))
    windows = {"queued": 30 * US_PER_MINUTE, "placing": 5 * US_PER_MINUTE}
    for state in UNPLACED:
        pick(0, windows.get(state, 7 * day), Forced(state, ""), 3)
    return forced


def build_plan(n: int, seed: int, now_us: int, big_orders: str = DEFAULT_BIG_ORDERS) -> Plan:
    created = created_times(n, seed, now_us)
    lines = line_counts(n, seed)
    forced = forced_cases(created, now_us, seed, parse_big_orders(big_orders))
    for i, case in forced.items():
        if case.lines is not None:
            lines[i] = case.lines
        elif case.status in ("PARTIAL",) and lines[i] < 2:
            lines[i] = 2
    return Plan(now_us=now_us, created=created, lines=lines, forced=forced)


def chunk_tasks(plan: Plan, chunk_size: int) -> list[tuple]:
    """(chunk number, first order index, first line id, created slice, lines slice, forced)."""
    tasks = []
    next_line_id = 1
    n = len(plan.created)
    for k, start in enumerate(range(0, n, chunk_size)):
        end = min(n, start + chunk_size)
        lines = plan.lines[start:end]
        forced = {i: c for i, c in plan.forced.items() if start <= i < end}
        tasks.append((k, start, next_line_id, plan.created[start:end], lines, forced))
        next_line_id += sum(lines)
    return tasks


def n_chunks(n: int, chunk_size: int) -> int:
    return math.ceil(n / chunk_size)
