"""Business-day arithmetic for Tango's PENDING promise.

Tango's "Manage orders" page: pending orders "should be processed and delivered within one (1)
business day. Orders placed on Friday afternoon or over the weekend may be processed on the
following Monday or the next business day." We model that simply, in settings.TIME_ZONE:

* a moment on a weekday counts from that moment; a moment on a Saturday or Sunday counts from
  the start of the following Monday;
* adding one business day moves to the same clock time on the next weekday (Friday 14:00 ->
  Monday 14:00; Saturday 10:00 -> Tuesday 00:00).

Public holidays are not modelled (Tango does not publish a calendar for them).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

SATURDAY = 5  # datetime.weekday(): Monday == 0


def _local_naive(moment: datetime) -> datetime:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None)


def _restore(naive: datetime, like: datetime) -> datetime:
    # Wall-clock arithmetic in local time, so "same time next day" survives DST changes.
    return timezone.make_aware(naive) if timezone.is_aware(like) else naive


def _is_weekend(moment: datetime) -> bool:
    return moment.weekday() >= SATURDAY


def add_business_days(moment: datetime, days: int = 1) -> datetime:
    """`moment` plus `days` business days (see the module docstring for the rule)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    local = _local_naive(moment)
    if _is_weekend(local):
        monday = local.date() + timedelta(days=7 - local.weekday())
        local = datetime.combine(monday, time.min)
    for _ in range(days):
        local += timedelta(days=1)
        while _is_weekend(local):
            local += timedelta(days=1)
    return _restore(local, moment)


def business_day_cutoff(now: datetime, days: int = 1) -> datetime:
    """The latest start moment whose `days` business days have run out by `now`.

    For every moment t: ``t < business_day_cutoff(now) <=> add_business_days(t) < now``, so
    ``Order.objects.pending_since(business_day_cutoff(now))`` lists the orders that have been
    PENDING for more than one business day (tests/core/test_business_days.py checks the
    equivalence over a grid of moments).
    """
    if days != 1:
        # Only the one-day promise is needed; a general inverse is not worth its edge cases.
        raise NotImplementedError("only days=1 is supported")
    local = _local_naive(now)
    weekday = local.weekday()
    if weekday == 0 or (weekday == 1 and local.time() == time.min):
        # Monday (and the very first instant of Tuesday): Friday's orders ran out on Monday;
        # weekend orders run out at Tuesday 00:00, which is not yet "before now".
        cutoff = local - timedelta(days=3)
    elif weekday >= SATURDAY:  # the weekend: everything before Friday ran out on Friday.
        cutoff = datetime.combine(local.date() - timedelta(days=weekday - 4), time.min)
    else:
        cutoff = local - timedelta(days=1)
    return _restore(cutoff, now)


def stuck_cutoff(now: datetime | None = None) -> datetime:
    """Orders PENDING at Tango since before this moment are stuck (one business day passed)."""
    return business_day_cutoff(now or timezone.now(), 1)
