"""Closing a reporting period: one snapshot of a report's inputs and numbers, audited."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace
from typing import Any

from django.db import IntegrityError, transaction
from django.http import QueryDict

from core.actor import Actor
from core.dates import day_end
from core.errors import ActionNotAllowed
from finance.actions.auditing import PERIOD_CLOSE, audit
from finance.closes import open_at, open_items_as_dicts, snapshot_numbers
from finance.filters import REPORT_OPTIONS
from finance.models import PeriodClose
from finance.reports import Report
from orders.filters import OrderFilter
from orders.models import Order


def close_key(report: Report, query_string: str) -> str:
    text = "|".join(
        [report.start.isoformat(), report.end.isoformat(), report.zone.key, query_string]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def normalised_query(query_string: str) -> str:
    """The report's inputs in a stable order (so the same report closes once)."""
    data = QueryDict(query_string)
    pairs = sorted((k, v) for k in data for v in data.getlist(k) if v and k != "state")
    return "&".join(f"{k}={v}" for k, v in pairs)


def open_orders_of(query_string: str, user: Any) -> OrderFilter:
    """The report's orders whatever their placement state (awaiting approval, held too)."""
    data = QueryDict(query_string).copy()
    for name in (*REPORT_OPTIONS, "state"):
        data.pop(name, None)
    return OrderFilter(data, queryset=Order.objects.all(), request=SimpleNamespace(user=user))


def close_period(*, report: Report, query_string: str, note: str, actor: Actor) -> PeriodClose:
    inputs = normalised_query(query_string)
    end_moment = day_end(report.end, report.zone)
    user = actor.user
    orders = open_orders_of(inputs, user).qs
    snapshot = {
        "inputs": {
            "query": inputs,
            "rows": report.dimension.key,
            "period": report.period,
            "time_zone": report.zone.key,
            "start": report.start.isoformat(),
            "end": report.end.isoformat(),
        },
        **snapshot_numbers(report),
        "open_at_end": open_items_as_dicts(open_at(orders, end_moment)),
    }
    try:
        with transaction.atomic():
            close = PeriodClose.objects.create(
                period_start=report.start,
                period_end=report.end,
                time_zone=report.zone.key,
                rows=report.dimension.key,
                query_string=inputs,
                key=close_key(report, inputs),
                snapshot=snapshot,
                closed_by=user,
                note=note[:500],
            )
            audit(
                actor=actor,
                action=PERIOD_CLOSE,
                obj=close,
                after={
                    "inputs": snapshot["inputs"],
                    "totals": snapshot["totals"],
                    "open_at_end": len(snapshot["open_at_end"]),
                },
                reason=note,
            )
    except IntegrityError as exc:
        raise ActionNotAllowed("This report and period are already closed.") from exc
    return close
