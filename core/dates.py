"""Local days as aware datetimes, for date filters on indexed timestamp columns.

A filter "created on or after 3 May" compares the column with the start of that day in
settings.TIME_ZONE (`created_at >= day_start(day)`) instead of `created_at__date`, which
would defeat the index.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def day_end(day: date) -> datetime:
    """The start of the next day: the exclusive upper bound of `day`."""
    return day_start(day + timedelta(days=1))
