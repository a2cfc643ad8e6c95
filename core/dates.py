"""Local days as aware datetimes, for date filters on indexed timestamp columns.

A filter "created on or after 3 May" compares the column with the start of that day in
settings.TIME_ZONE (`created_at >= day_start(day)`) instead of `created_at__date`, which
would defeat the index. Finance reads days in a time zone of the user's choosing (`zone`).
Days typed into a filter are bounded (`validate_day`): past 9999 there is no next day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from django.core.exceptions import ValidationError
from django.utils import timezone


def day_start(day: date, zone: tzinfo | None = None) -> datetime:
    """Midnight starting `day` in `zone` (default settings.TIME_ZONE)."""
    if zone is not None:
        return datetime.combine(day, time.min).replace(tzinfo=zone)
    return timezone.make_aware(datetime.combine(day, time.min))


def day_end(day: date, zone: tzinfo | None = None) -> datetime:
    """The start of the next day: the exclusive upper bound of `day`."""
    return day_start(day + timedelta(days=1), zone)


# --- days people type ---------------------------------------------------------------------------

# The days a date filter accepts. The date picker lets anyone type 9999-12-31, whose day_end
# overflows Python's datetime; no order or audit entry is older than 1900 or newer than 2999.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
OUT_OF_RANGE = f"Enter a date between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}."
# The same bounds for the browser's date picker (<input type="date" min max>).
DAY_INPUT_ATTRS = {"type": "date", "min": FIRST_DAY.isoformat(), "max": LAST_DAY.isoformat()}


def validate_day(value: date | None) -> None:
    """A form validator: refuse a day outside FIRST_DAY..LAST_DAY with OUT_OF_RANGE."""
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(OUT_OF_RANGE, code="day_out_of_range")
