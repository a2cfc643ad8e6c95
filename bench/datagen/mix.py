"""How often each placement state, Tango order status and order source occurs.

Open statuses depend on the order's age: PENDING and QUEUED only in the last hours (Tango
completes most orders within a business day; the few older PENDING ones are the forced
"stuck" cases, schedule.py), the review / hold / KYB / payment statuses in the last weeks.
PARTIAL needs several lines, so only bulk orders get it.
"""

from __future__ import annotations

import bisect

from bench.datagen.text import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE

FINAL = frozenset({"COMPLETE", "FAILED", "CANCELLED", "PARTIAL", "DELETED"})
SOURCES = (("RA", 0.72), ("RG", 0.14), ("BE", 0.05), ("QW", 0.03), ("CI", 0.02), ("BI", 0.04))
_SOURCE_CUM = [sum(w for _, w in SOURCES[: i + 1]) for i in range(len(SOURCES))]


def order_source(r: float) -> str:
    """Source of a single-line order (bulk orders are always AA)."""
    return SOURCES[min(bisect.bisect(_SOURCE_CUM, r), len(SOURCES) - 1)][0]


def placement_state(r: float, age: int, bulk: bool) -> str:
    """Our placement state of a console order, from a uniform draw `r` and its age (us)."""
    day = US_PER_DAY
    for state, p, max_age in (
        ("placing", 0.15, 10 * US_PER_MINUTE),
        ("queued", 0.05, 6 * US_PER_HOUR),
        ("awaiting_approval", 0.015, 7 * day),
        ("draft", 0.006, 14 * day),
        ("held", 0.03 if bulk else 0.012, 30 * day),
    ):
        if age < max_age:
            if r < p:
                return state
            r -= p
    for state, p in (
        ("draft", 0.0003),
        ("held", 0.0005),
        ("placement_failed", 0.0015),
        ("rejected", 0.0005),
        ("withdrawn", 0.0005),
    ):
        if r < p:
            return state
        r -= p
    return "placed"


def tango_status(r: float, age: int, bulk: bool) -> str:
    """Tango's status of a placed order: open ones only while young, PARTIAL only bulk."""
    if age < 3 * US_PER_HOUR:
        opens = (("PENDING", 0.25), ("QUEUED", 0.06))
    elif age < 30 * US_PER_HOUR:
        opens = (("PENDING", 0.03), ("QUEUED", 0.003))
    else:
        opens = ()
    if age < 45 * US_PER_DAY:
        opens += (
            ("PENDING_MR", 0.007),
            ("ON_HOLD", 0.005),
            ("PENDING_KYB", 0.0025),
            ("PENDING_PAYMENT", 0.005),
        )
    finals = (
        ("PARTIAL", 0.22 if bulk else 0.0),
        ("FAILED", 0.03 if bulk else 0.022),
        ("CANCELLED", 0.009),
        ("DELETED", 0.0025),
    )
    for status, p in opens + finals:
        if r < p:
            return status
        r -= p
    return "COMPLETE"
