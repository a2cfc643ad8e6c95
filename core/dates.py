"""Local days as aware datetimes, for date filters on indexed timestamp columns.

A filter "created on or after 3 May" compares the column with the start of that day in
settings.TIME_ZONE (`created_at >= day_start(day)`) instead of `created_at__date`, which
would defeat the index. Finance reads days in a time zone of the user's choosing (`zone`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from django.utils import timezone


def day_start(day: date, zone: tzinfo | None = None) -> datetime:
    """Midnight starting `day` in `zone` (default settings.TIME_ZONE)."""
    if zone is not None:
        return datetime.combine(day, time.min).replace(tzinfo=zone)
    return timezone.make_aware(datetime.combine(day, time.min))


def day_end(day: date, zone: tzinfo | None = None) -> datetime:
    """The start of the next day: the exclusive upper bound of `day`."""
    return day_start(day + timedelta(days=1), zone)
