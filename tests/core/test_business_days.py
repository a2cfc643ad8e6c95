"""One business day after a moment, and the cutoff that lists orders past it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.business_days import add_business_days, business_day_cutoff, stuck_cutoff

# 2026-11-23 is a Monday.
MON, TUE, WED, THU, FRI, SAT, SUN = (datetime(2026, 11, 23 + d, tzinfo=UTC) for d in range(7))


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(MON, 9), at(TUE, 9)),
        (at(THU, 17, 30), at(FRI, 17, 30)),
        (at(FRI, 14), at(MON + timedelta(days=7), 14)),  # Friday afternoon -> Monday
        (at(SAT, 10), at(TUE + timedelta(days=7), 0)),  # weekend counts from Monday 00:00
        (at(SUN, 23, 59), at(TUE + timedelta(days=7), 0)),
    ],
)
def test_one_business_day_after(start: datetime, expected: datetime) -> None:
    assert add_business_days(start) == expected


def test_several_business_days_skip_the_weekend() -> None:
    assert add_business_days(at(WED, 8), 3) == at(MON + timedelta(days=7), 8)
    assert add_business_days(at(WED, 8), 0) == at(WED, 8)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(WED, 12), at(TUE, 12)),
        (at(MON, 12), at(FRI - timedelta(days=7), 12)),
        (at(SAT, 12), at(FRI, 0)),
        (at(SUN, 12), at(FRI, 0)),
    ],
)
def test_cutoff(now: datetime, expected: datetime) -> None:
    assert business_day_cutoff(now) == expected


def _grid(start: datetime, days: int, step_minutes: int) -> list[datetime]:
    steps = days * 24 * 60 // step_minutes
    return [start + timedelta(minutes=step_minutes * i) for i in range(steps)]


def test_cutoff_agrees_with_add_business_days_everywhere() -> None:
    """t < cutoff(now)  <=>  add_business_days(t) < now, over two weeks of 90-minute steps.

    The grid includes midnights, so the weekend/Monday/Tuesday boundaries are checked exactly.
    """
    moments = _grid(MON - timedelta(days=7), 21, 90)
    nows = _grid(MON, 8, 90)
    mismatches = [
        (t, now)
        for now in nows
        for t in moments
        if (t < business_day_cutoff(now)) != (add_business_days(t) < now)
    ]
    assert mismatches == []


def test_stuck_cutoff_defaults_to_now() -> None:
    now = datetime.now(UTC)
    assert stuck_cutoff() <= now - timedelta(hours=23)


def test_only_one_day_is_supported() -> None:
    with pytest.raises(NotImplementedError):
        business_day_cutoff(at(WED, 12), 2)
    with pytest.raises(ValueError, match="days"):
        add_business_days(at(WED, 12), -1)
