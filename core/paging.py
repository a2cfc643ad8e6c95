"""Keyset ("seek") pagination: fast on any page of a large table, with a capped count.

OFFSET pagination reads and discards every row before the page, and a COUNT(*) over a
million rows on every keystroke is what makes admin lists slow. Here a page is "rows after
(sort value, id)", walked with an index, and the total is counted only up to COUNT_CAP
("1-50 of 1,000+").
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

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


def _seek(field: str, descending: bool, cursor: list[str], forward: bool) -> Q:
    """Rows strictly after (forward) or before the cursor in the (field, id) ordering."""
    value, pk = cursor
    later = (descending and forward) or (not descending and not forward)
    op = "lt" if later else "gt"
    return Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})


def keyset_page(
    queryset: QuerySet,
    *,
    field: str,
    descending: bool,
    per_page: int,
    after: str | None = None,
    before: str | None = None,
    start: int = 1,
) -> Page:
    """One page of `queryset` ordered by (field, id); `after`/`before` are opaque cursors."""
    sign = "-" if descending else ""
    ordering = [f"{sign}{field}", f"{sign}pk"]
    after_values, before_values = decode_cursor(after), decode_cursor(before)
    capped = queryset.order_by()[: COUNT_CAP + 1].count()
    try:
        if before_values:
            reverse = ["-" + f if not f.startswith("-") else f[1:] for f in ordering]
            window = queryset.filter(_seek(field, descending, before_values, False))
            rows = list(window.order_by(*reverse)[: per_page + 1])
            has_more_before = len(rows) > per_page
            items = list(reversed(rows[:per_page]))
            has_prev, has_next = has_more_before, True
        else:
            window = queryset
            if after_values:
                window = queryset.filter(_seek(field, descending, after_values, True))
            rows = list(window.order_by(*ordering)[: per_page + 1])
            items = rows[:per_page]
            has_prev, has_next = bool(after_values), len(rows) > per_page
    except (ValueError, TypeError):
        # A hand-edited cursor that does not parse as the sort column's type: first page.
        return keyset_page(queryset, field=field, descending=descending, per_page=per_page)
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
