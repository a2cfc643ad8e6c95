"""The finance report: line items of the filtered orders, grouped by a dimension (rows), a
period (columns) and always by currency, summed with finance.money's definitions.

Filters select ORDERS exactly as the orders list does (the same FilterSet, so a drill-down is
the same query); rows split those orders' line items. One GROUP BY (rows x periods) builds a
report whatever its size, two when the rows are a line-level dimension (then the totals per
currency x period are their own); a row's figures are its periods' added up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Trunc

from finance.dimensions import CHARGED_CURRENCY, DIMENSIONS, REWARD_CURRENCY, Dimension
from finance.money import with_money
from orders.filters import NONE_VALUE
from orders.models import LineItem
from orders.statuses import LineItemStatus

MONEY = ("face", "value", "fee", "total", "refund", "net")
REWARD_STATUSES = [status for status, _ in LineItemStatus.choices]
MAX_COLUMNS = 120
CURRENCIES = (CHARGED_CURRENCY, REWARD_CURRENCY)


def measures() -> dict[str, Any]:
    """Every number of a report row (the same names in snapshots and exports)."""
    return {
        "orders": Count("order_id", distinct=True),
        "rewards": Count("pk"),
        "face": Sum("amount"),
        "value": Sum("line_value"),
        "fee": Sum("line_fee"),
        "total": Sum("line_total"),
        "refund": Sum("line_refund"),
        "net": Sum("line_net"),
        "rate_min": Min("order__exchange_rate"),
        "rate_max": Max("order__exchange_rate"),
        **{f"n_{status}": Count("pk", filter=Q(status=status)) for status in REWARD_STATUSES},
    }


def cell_measures() -> dict[str, Any]:
    return {"orders": Count("order_id", distinct=True), "total": Sum("line_total")}


@dataclass(frozen=True)
class Period:
    key: date  # the period's own first day (what the database truncates to)
    start: date  # first day in the report's range
    end: date  # last day in the report's range, inclusive
    label: str


@dataclass
class Cell:
    orders: int = 0
    total: Decimal = Decimal("0.00")
    link: str = ""


@dataclass
class Row:
    label: str
    charged_currency: str
    reward_currency: str
    numbers: dict[str, Any]
    link: str | None  # the orders list of this row (None: no filter can select it)
    group_key: tuple = ()
    cells: list[Cell] = field(default_factory=list)
    # Per line-item status: the orders of this row having such rewards.
    status_links: dict[str, str] = field(default_factory=dict)

    @property
    def status_counts(self) -> list[tuple[str, int, str]]:
        return [
            (status, self.numbers[f"n_{status}"], self.status_links.get(status, ""))
            for status in REWARD_STATUSES
        ]

    @property
    def key(self) -> str:
        return f"{self.label}|{self.charged_currency}|{self.reward_currency}"


@dataclass
class Report:
    dimension: Dimension
    period: str
    zone: ZoneInfo
    start: date
    end: date
    periods: list[Period]
    rows: list[Row]
    totals: list[Row]  # one per currency pair

    @property
    def currencies(self) -> list[str]:
        return sorted({row.charged_currency for row in self.totals})


def report_lines(filterset: Any, dimension: Dimension) -> QuerySet:
    """The line items a report sums: of the filtered orders; a line-level dimension that is
    itself filtered keeps only the lines matching its filter (see Dimension.line_lookup)."""
    lines = LineItem.objects.of_orders(filterset.qs)
    if dimension.line_lookup and dimension.param:
        value = filterset.form.cleaned_data.get(dimension.param)
        if value == NONE_VALUE:  # the "(none)" row of a dimension that may be empty
            lines = lines.filter(**{dimension.line_lookup.removesuffix("__iexact"): None})
        elif value:
            value = getattr(value, "brand_key", value)  # a Brand from its ModelChoiceFilter
            lines = lines.filter(**{dimension.line_lookup: value})
    return with_money(lines)


def periods_between(start: date, end: date, kind: str) -> list[Period]:
    periods: list[Period] = []
    cursor = period_start(start, kind)
    while cursor <= end:
        following = next_period(cursor, kind)
        first, last = max(cursor, start), min(following - timedelta(days=1), end)
        periods.append(Period(cursor, first, last, period_label(cursor, kind)))
        cursor = following
    return periods


def period_start(day: date, kind: str) -> date:
    if kind == "day":
        return day
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def next_period(start: date, kind: str) -> date:
    if kind == "day":
        return start + timedelta(days=1)
    if kind == "week":
        return start + timedelta(days=7)
    months = 1 if kind == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_label(start: date, kind: str) -> str:
    if kind == "day":
        return start.isoformat()
    if kind == "week":
        return f"Week of {start.isoformat()}"
    if kind == "month":
        return start.strftime("%b %Y")
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def build_report(
    *,
    filterset: Any,
    rows: str,
    period: str,
    zone: ZoneInfo,
    start: date,
    end: date,
    base_params: Iterable[tuple[str, str]],
) -> Report:
    """`filterset`: a bound OrderFilter; `base_params`: its URL parameters (for drill-downs)."""
    dimension = DIMENSIONS[rows]
    periods = periods_between(start, end, period)
    if len(periods) > MAX_COLUMNS:
        raise ValueError(f"{len(periods)} columns: choose a longer period or a shorter range.")
    lines = report_lines(filterset, dimension)
    group = (*dimension.fields, *CURRENCIES)
    base = [(k, v) for k, v in base_params if k not in {"currency", "reward_currency"}]
    linker = _Linker(base, zone)

    # One GROUP BY by period: a row's figures are its periods' added up (an order has one
    # ordered_at, so it counts in one period only). When the rows split orders (an order-level
    # dimension: all of an order's lines share its row), the totals are the rows' added up too,
    # distinct orders included; a line-level dimension (brand, reward, line-item status) can
    # put one order in several rows, so its totals take a second GROUP BY.
    by_period = lines.annotate(period=Trunc("order__ordered_at", period, tzinfo=zone))
    per_period = list(by_period.values(*group, "period").annotate(**measures()).order_by())
    if dimension.line_level:
        totals_per_period = list(
            by_period.values(*CURRENCIES, "period").annotate(**measures()).order_by()
        )
    else:
        totals_per_period = _added_up(per_period, (*CURRENCIES, "period"))
    summary = _added_up(per_period, group)
    totals = _added_up(totals_per_period, CURRENCIES)

    def make_row(values: dict[str, Any], dim: Dimension) -> Row:
        params = dim.drill_params(values)
        row = Row(
            label=dim.label_for(values) if dim is dimension else "Total",
            charged_currency=values[CHARGED_CURRENCY],
            reward_currency=values[REWARD_CURRENCY],
            numbers={name: _zero(values, name) for name in measures()},
            link=None,
            group_key=tuple(values[name] for name in (*dim.fields, *CURRENCIES)),
        )
        if params is not None:
            params = {
                **params,
                "currency": row.charged_currency,
                "reward_currency": row.reward_currency,
            }
            row.link = linker.link(params)
            filtered = {v for k, v in base if k == "li_status"}
            row.status_links = {
                status: linker.link({**params, "li_status": status})
                for status in REWARD_STATUSES
                # Under a line-item status filter only its own statuses drill down exactly.
                if row.numbers[f"n_{status}"] and (not filtered or status in filtered)
            }
        return row

    report_rows = [make_row(values, dimension) for values in summary]
    total_rows = [make_row(values, DIMENSIONS["currency"]) for values in totals]
    _fill_cells(report_rows, per_period, group, periods, zone, linker)
    _fill_cells(total_rows, totals_per_period, CURRENCIES, periods, zone, linker)
    return Report(dimension, period, zone, start, end, periods, report_rows, total_rows)


_LOWEST, _HIGHEST = ("rate_min",), ("rate_max",)


def _added_up(counted: list[dict[str, Any]], group: tuple[str, ...]) -> list[dict[str, Any]]:
    """Per group, its rows' figures combined (sums and counts added, the rate's min / max
    kept), ordered by the group's values as ORDER BY would (NULLs last). Other grouping
    columns of `counted` (the period, a dimension's fields) are dropped."""
    names = set(measures())
    combined: dict[tuple, dict[str, Any]] = {}
    for values in counted:
        key = tuple(values[name] for name in group)
        into = combined.get(key)
        if into is None:
            combined[key] = {k: v for k, v in values.items() if k in names or k in group}
            continue
        for name in names:
            value = values.get(name)
            if value is None:
                continue
            have = into.get(name)
            if have is None:
                into[name] = value
            elif name in _LOWEST:
                into[name] = min(have, value)
            elif name in _HIGHEST:
                into[name] = max(have, value)
            else:
                into[name] = have + value
    return [
        combined[key]
        for key in sorted(combined, key=lambda key: tuple((v is None, v) for v in key))
    ]


def _zero(values: dict[str, Any], name: str) -> Any:
    value = values.get(name)
    if value is None and name in MONEY:
        return Decimal("0.00")
    return value


def _fill_cells(
    rows: list[Row],
    counted: Iterable[dict[str, Any]],
    group: tuple[str, ...],
    periods: list[Period],
    zone: ZoneInfo,
    linker: _Linker,
) -> None:
    column = {period.key: n for n, period in enumerate(periods)}
    by_key: dict[tuple, dict[int, dict[str, Any]]] = {}
    for values in counted:
        n = column[values["period"].astimezone(zone).date()]
        by_key.setdefault(tuple(values[name] for name in group), {})[n] = values
    for row in rows:
        found = by_key.get(row.group_key, {})
        for n, period in enumerate(periods):
            values = found.get(n, {})
            cell = Cell(values.get("orders", 0), values.get("total") or Decimal("0.00"))
            if row.link is not None and values:
                cell.link = linker.with_dates(row.link, period.start, period.end)
            row.cells.append(cell)


class _Linker:
    """Orders-list URLs: the report's filter, one row's parameters, a cell's dates."""

    def __init__(self, base: list[tuple[str, str]], zone: ZoneInfo) -> None:
        self.base = base
        self.zone = zone

    def link(self, params: dict[str, str]) -> str:
        kept = [(k, v) for k, v in self.base if k not in params]
        return "/?" + urlencode([*kept, *params.items()])

    def with_dates(self, link: str, first: date, last: date) -> str:
        query = [
            (k, v)
            for k, v in parse_qsl(link[2:], keep_blank_values=True)
            if k not in {"ordered_from", "ordered_to"}
        ]
        query += [("ordered_from", first.isoformat()), ("ordered_to", last.isoformat())]
        return "/?" + urlencode(query)
