"""PostgreSQL COPY text format: the few value encoders the generator needs, kept fast.

Timestamps are integer microseconds since the Unix epoch (UTC) and money is integer cents, so
no datetime or Decimal object is built per row.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

NULL = "\\N"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR

_DAY_PREFIX: dict[int, str] = {}


def esc(value: str) -> str:
    """Escape a string for COPY text format (backslash, tab, newline, carriage return)."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def ts(us: int | None) -> str:
    """timestamptz text for microseconds since the epoch (UTC), or NULL."""
    if us is None:
        return NULL
    day, rem = divmod(us, US_PER_DAY)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        prefix = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d ")
        _DAY_PREFIX[day] = prefix
    seconds, micro = divmod(rem, US_PER_SECOND)
    hour, seconds = divmod(seconds, 3600)
    minute, seconds = divmod(seconds, 60)
    return f"{prefix}{hour:02d}:{minute:02d}:{seconds:02d}.{micro:06d}+00"


def money(cents: int | None) -> str:
    if cents is None:
        return NULL
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def jsonb(value: Any) -> str:
    return esc(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def python_value(value: Any, *, is_json: bool = False) -> str:
    """Any Python value (a model field's default) as COPY text."""
    if is_json:
        return NULL if value is None else jsonb(value)
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, (dict, list)):
        return jsonb(value)
    return esc(str(value))
