"""The orders list's rows ({% order_rows %}): their dates read as the `|date:` filter's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from orders.templatetags.order_rows import _DATE_FORMATS, _dates

pytestmark = pytest.mark.smoke

MOMENTS = [
    datetime(2026, 1, 5, 3, 4, 5, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, 59, 123456, tzinfo=UTC),
    datetime(2025, 7, 1, 0, 0, tzinfo=ZoneInfo("America/New_York")),
    datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # Europe/Paris changes to summer time at 2:00
]


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Europe/Paris", "Asia/Kolkata"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_the_row_dates_are_the_date_filters(zone, moment):
    with timezone.override(ZoneInfo(zone)):
        # The template engine gives `|date:` the value in the current time zone.
        local = timezone.localtime(moment)
        expected = [date_filter(local, fmt) for fmt in _DATE_FORMATS.split("|")]
        assert _dates(moment) == expected


def test_no_date_is_blank():
    assert _dates(None) == ["", "", "", ""]
