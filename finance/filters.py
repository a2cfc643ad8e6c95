"""The report's form: the orders list's FilterSet (so a drill-down is the same query), with
the report's defaults, and the report's own options (rows, period)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from finance.dimensions import DIMENSION_CHOICES, PERIODS
from orders.filters import TIME_ZONES, OrderFilter
from orders.statuses import PlacementState

# Parameters of the report page that are not orders-list filters.
REPORT_OPTIONS = ("rows", "period")
# The filter fields the report page shows (any other orders-list parameter still applies).
REPORT_FIELDS = (
    "ordered_from",
    "ordered_to",
    "tz",
    "account",
    "customer",
    "currency",
    "reward_currency",
    "brand",
    "utid",
    "status",
    "li_status",
    "delivery",
    "campaign",
    "po",
    "creator",
)


class ReportOptionsForm(forms.Form):
    rows = forms.ChoiceField(choices=DIMENSION_CHOICES, initial="account", label="Rows")
    period = forms.ChoiceField(
        choices=list(PERIODS.items()), initial="month", label="Columns (period)"
    )


class ReportFilter(OrderFilter):
    """OrderFilter over orders placed at Tango (only they are charged), with a date range by
    default: from the first day of the month two months back to today, in the time zone."""

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        data = (data or QueryDict()).copy()
        for name in REPORT_OPTIONS:
            data.pop(name, None)
        chosen = data.get("tz")
        zone = ZoneInfo(chosen if chosen in TIME_ZONES else settings.TIME_ZONE)
        today = timezone.now().astimezone(zone).date()
        if not data.get("ordered_from"):
            data["ordered_from"] = default_start(today).isoformat()
        if not data.get("ordered_to"):
            data["ordered_to"] = today.isoformat()
        data.setlist("state", [PlacementState.PLACED])
        super().__init__(data, *args, **kwargs)

    def params(self) -> list[tuple[str, str]]:
        """The URL parameters of this filter (the drill-down links start from them)."""
        return [(key, value) for key in self.form.data for value in self.form.data.getlist(key)]

    @property
    def range(self) -> tuple[date, date]:
        cleaned = self.form.cleaned_data if self.form.is_valid() else {}
        zone = self.zone()
        today = timezone.now().astimezone(zone).date()
        start = cleaned.get("ordered_from") or default_start(today)
        end = cleaned.get("ordered_to") or today
        return start, max(start, end)


def default_start(today: date) -> date:
    first = today.replace(day=1)
    for _ in range(2):
        first = (first - timedelta(days=1)).replace(day=1)
    return first
