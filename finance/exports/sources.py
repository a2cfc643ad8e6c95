"""What each export kind writes: its columns, its rows (a streamed queryset) and header block.

Kinds: `orders` (one row per order), `lines` (one row per line item), `report` (the report's
summary table) and `tax` (recipient tax totals). Scope `list` reads the filter as the orders
list does (OrderFilter); scope `report` as the reports page does (ReportFilter: orders placed
at Tango, a date range by default).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Trunc
from django.http import QueryDict
from django.utils import timezone

from finance.exports.columns import (
    LINE_COLUMNS,
    ORDER_COLUMNS,
    REPORT_MONEY,
    TAX_COLUMNS,
    Column,
    neutralised,
)
from finance.filters import ReportFilter
from finance.money import with_money
from orders.filters import OrderFilter
from orders.models import LineItem, Order

KINDS = {
    "orders": "Orders (one row per order)",
    "lines": "Line items (one row per reward)",
    "report": "Report summary",
    "tax": "Recipient tax totals",
}
SCOPES = {"list": "the orders list", "report": "a finance report (orders placed at Tango)"}
CHUNK = 5000  # rows per fetch from the server-side cursor


@dataclass
class ExportSource:
    kind: str
    columns: list[Column]
    header: list[tuple[str, str]]
    zone: ZoneInfo
    queryset: QuerySet | None = None  # values_list rows in column order
    fixed_rows: list[list[Any]] = field(default_factory=list)
    # Totals rows as shown on screen (the report); otherwise summed while writing.
    fixed_totals: list[list[Any]] | None = None
    total_label: str = "Total"
    # The queryset's text columns come out of SQL already neutralised (columns.neutralised).
    neutralised_in_sql: bool = False

    def count(self) -> int:
        return self.queryset.count() if self.queryset is not None else len(self.fixed_rows)

    def rows(self) -> Iterator[list[Any]] | Iterator[tuple[Any, ...]]:
        if self.queryset is None:
            yield from self.fixed_rows
        elif connection.vendor == "postgresql":
            yield from _server_side_rows(self.queryset)
        else:
            yield from self.queryset.iterator(chunk_size=CHUNK)

    @property
    def currency_indexes(self) -> tuple[int, ...]:
        return tuple(
            n
            for n, column in enumerate(self.columns)
            if column.source in {"order__account__currency", "order__currency"}
        )


def _server_side_rows(queryset: QuerySet) -> Iterator[tuple[Any, ...]]:
    """The queryset's rows from a psycopg server-side cursor, fetched in chunks, skipping
    Django's per-row converter loop (values_list needs none on PostgreSQL) and its Python
    timestamptz loader (psycopg's C loader gives the same UTC datetimes).

    Inside a transaction and without WITH HOLD (which makes PostgreSQL materialise the whole
    result before the first row), planned for the whole result like COPY would be
    (cursor_tuple_fraction = 1; the default 0.1 favours a fast first page)."""
    from psycopg import adapters
    from psycopg.postgres import types
    from psycopg.pq import Format

    sql, params = queryset.query.sql_with_params()
    loader = adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    with transaction.atomic():
        with connection.cursor() as setup:
            setup.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        name = f"finance_export_{uuid.uuid4().hex}"
        with connection.connection.cursor(name=name) as cursor:
            cursor.adapters.register_loader("timestamptz", loader)
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                yield from rows


def filterset_for(scope: str, query_string: str, user: Any) -> OrderFilter:
    data = QueryDict(query_string)
    request = SimpleNamespace(user=user)  # OrderFilter asks it whether email search is allowed
    if scope == "report":
        return ReportFilter(data, queryset=Order.objects.all(), request=request)
    return OrderFilter(data or None, queryset=Order.objects.all(), request=request)


def describe(filterset: OrderFilter) -> str:
    data = filterset.form.data
    parts = [f"{key}={value}" for key in data for value in data.getlist(key) if value]
    return "; ".join(parts) or "(none: every order)"


def header_block(
    *, kind: str, scope: str, filterset: OrderFilter, zone: ZoneInfo, user: Any, rows: str
) -> list[tuple[str, str]]:
    name = user.get_full_name() or user.get_username()
    return [
        ("Rewards Ops export", KINDS[kind]),
        ("Filter", f"{describe(filterset)} (as {SCOPES[scope]})"),
        ("Time zone", zone.key),
        ("Generated by", f"{name} ({user.get_username()})"),
        ("Generated at", timezone.now().astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("Recipient data", rows),
        ("Columns", "documented at /finance/exports/columns/ (money in 'Charged in' currency)"),
    ]


def order_rows(filterset: OrderFilter, zone: ZoneInfo) -> QuerySet:
    """One row per order: its line items' money summed (finance.money), grouped by order."""
    paths = [column.source for column in ORDER_COLUMNS]
    group = [path for path in paths if path.startswith("order__")]
    lines = with_money(LineItem.objects.of_orders(filterset.qs))
    return (
        lines.values("order_id", *group)
        .annotate(
            rewards=Count("pk"),
            face=Sum("amount"),
            value=Sum("line_value"),
            fee=Sum("line_fee"),
            total=Sum("line_total"),
            refund=Sum("line_refund"),
            net=Sum("line_net"),
        )
        .order_by("order__ordered_at", "order_id")
        .values_list(*_selected(ORDER_COLUMNS, zone))
    )


def line_rows(filterset: OrderFilter, columns: list[Column], zone: ZoneInfo) -> QuerySet:
    lines = with_money(LineItem.objects.of_orders(filterset.qs))
    return lines.order_by("order__ordered_at", "order_id", "line_number").values_list(
        *_selected(columns, zone)
    )


def _selected(columns: list[Column], zone: ZoneInfo) -> list[Any]:
    """What the query selects per column: text neutralised and dates in the export's time
    zone (to the second) by the database, as the report's periods are truncated there."""
    return [
        neutralised(c.source)
        if c.kind == "text"
        else Trunc(c.source, "second", tzinfo=zone)
        if c.kind == "datetime"
        else c.source
        for c in columns
    ]


def build_source(
    *, kind: str, scope: str, query_string: str, user: Any, include_recipients: bool
) -> ExportSource:
    if kind == "report":
        from finance.exports.report_sources import report_source

        return report_source(query_string=query_string, user=user)
    if kind == "tax":
        from finance.exports.report_sources import tax_source

        return tax_source(query_string=query_string, user=user)
    filterset = filterset_for(scope, query_string, user)
    zone = filterset.zone() if filterset.is_bound else ZoneInfo(settings.TIME_ZONE)
    recipients = "included" if include_recipients else "not included (needs orders.view_recipient)"
    header = header_block(
        kind=kind, scope=scope, filterset=filterset, zone=zone, user=user, rows=recipients
    )
    if kind == "orders":
        source = ExportSource(kind, ORDER_COLUMNS, header, zone, order_rows(filterset, zone))
    else:
        columns = [c for c in LINE_COLUMNS if include_recipients or not c.recipient]
        source = ExportSource(kind, columns, header, zone, line_rows(filterset, columns, zone))
    source.neutralised_in_sql = True
    return source


def money_sum(values: list[Any]) -> Decimal:
    return sum((Decimal(value or 0) for value in values), Decimal("0.00"))


def local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return value.astimezone(zone).replace(tzinfo=None) if value is not None else None


__all__ = ["KINDS", "REPORT_MONEY", "SCOPES", "TAX_COLUMNS", "ExportSource", "build_source"]
