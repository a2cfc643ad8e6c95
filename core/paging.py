"""Keyset ("seek") pagination: fast on any page of a large table, with a capped count.

OFFSET pagination reads and discards every row before the page, and a COUNT(*) over a
million rows on every keystroke is what makes admin lists slow. Here a page is "rows after
(sort value, id)", walked with an index, and the total is counted only up to COUNT_CAP
("1-50 of 1,000+").

The seek is one row-value comparison, `(sort_value, id) < (X, Y)`, which PostgreSQL answers
by descending an index on (sort_value, id) straight to the cursor; the equivalent
`value < X OR (value = X AND id < Y)` makes it read and discard every row before the page.
A cursor is opaque but user-editable: its values are parsed as the sort column's and the id's
types first, and one that does not fit (garbage, NaN, out of range) is the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, QuerySet, Value
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

COUNT_CAP = 1000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    start: int
    next_cursor: str | None
    prev_cursor: str | None
    total: int
    total_capped: bool
    per_page: int = 50

    @property
    def end(self) -> int:
        return self.start + len(self.items) - 1 if self.items else self.start - 1

    @property
    def next_start(self) -> int:
        return self.start + len(self.items)

    @property
    def prev_start(self) -> int:
        return max(1, self.start - self.per_page)


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([str(v) for v in values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str | None) -> list[str] | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error):
        return None
    if not isinstance(values, list) or len(values) != 2:
        return None
    return [str(v) for v in values]


_MAX_ID = 2**63 - 1  # bigint


def sort_field(model: type[models.Model], path: str) -> models.Field:
    """The model field behind a sort path such as "amount" or "account__identifier" (a stored
    generated column stands for its output field)."""
    opts, field = model._meta, None
    for part in path.split("__"):
        field = opts.get_field(part)
        if field.is_relation:
            opts = field.related_model._meta
    assert field is not None
    return getattr(field, "output_field", None) or field


def _typed(field: models.Field, raw: str) -> Any:
    """`raw` as a value of `field`, or ValueError if it is not one a row could hold."""
    if "\x00" in raw:
        raise ValueError("NUL")  # PostgreSQL text cannot hold it
    try:
        value = field.to_python(raw)
        if value is not None:
            field.run_validators(value)
    except ValidationError as exc:
        raise ValueError(str(exc)) from exc
    if value is None:
        raise ValueError("empty")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError("not finite")
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        value.astimezone(UTC)  # OverflowError past year 9999
    if isinstance(value, int) and not 0 < value <= _MAX_ID:
        raise ValueError("out of range")
    return value


def parse_cursor(
    model: type[models.Model], field: str, values: list[str] | None
) -> tuple[Any, int] | None:
    """A decoded cursor as (sort value, id) of the sort's types, or None if it does not fit."""
    if not values:
        return None
    try:
        return _typed(sort_field(model, field), values[0]), _typed(model._meta.pk, values[1])
    except (ValueError, TypeError, OverflowError):
        return None


def seek(field: str, descending: bool, cursor: tuple[Any, int], forward: bool, model: Any) -> Any:
    """Rows strictly after (forward) or before the cursor in the (field, id) ordering, as one
    row-value comparison: `(field, id) < (value, id)` (or `>`)."""
    value, pk = cursor
    later = (descending and forward) or (not descending and not forward)
    compare = LessThan if later else GreaterThan
    row = models.Field()
    return compare(
        Func(F(field), F("pk"), function="", output_field=row),
        Func(
            Value(value, output_field=sort_field(model, field)),
            Value(pk, output_field=model._meta.pk),
            function="",
            output_field=row,
        ),
    )


def keyset_page(
    queryset: QuerySet,
    *,
    field: str,
    descending: bool,
    per_page: int,
    after: str | None = None,
    before: str | None = None,
    start: int = 1,
    total: int | None = None,
) -> Page:
    """One page of `queryset` ordered by (field, id); `after`/`before` are opaque cursors.
    `total`: how many rows `queryset` has, when the caller counted them already."""
    sign = "-" if descending else ""
    ordering = [f"{sign}{field}", f"{sign}pk"]
    model = queryset.model
    # A hand-edited cursor that does not parse as the sort's types is no cursor: first page.
    after_values = parse_cursor(model, field, decode_cursor(after))
    before_values = parse_cursor(model, field, decode_cursor(before))
    capped = queryset.order_by()[: COUNT_CAP + 1].count() if total is None else total
    if before_values:
        reverse = ["-" + f if not f.startswith("-") else f[1:] for f in ordering]
        window = queryset.filter(seek(field, descending, before_values, False, model))
        rows = list(window.order_by(*reverse)[: per_page + 1])
        has_more_before = len(rows) > per_page
        items = list(reversed(rows[:per_page]))
        has_prev, has_next = has_more_before, True
    else:
        window = queryset
        if after_values:
            window = queryset.filter(seek(field, descending, after_values, True, model))
        rows = list(window.order_by(*ordering)[: per_page + 1])
        items = rows[:per_page]
        has_prev, has_next = bool(after_values), len(rows) > per_page
    if not items:
        has_prev = has_prev and start > 1
    start = max(1, start) if (after_values or before_values) else 1

    def key(row: Any) -> str:
        value: Any = row
        for part in field.split("__"):
            value = getattr(value, part)
        return encode_cursor([value.isoformat() if hasattr(value, "isoformat") else value, row.pk])

    return Page(
        items=items,
        start=start,
        next_cursor=key(items[-1]) if items and has_next else None,
        prev_cursor=key(items[0]) if items and has_prev else None,
        total=min(capped, COUNT_CAP),
        total_capped=capped > COUNT_CAP,
        per_page=per_page,
    )
