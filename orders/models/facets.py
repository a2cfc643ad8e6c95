"""Exact facet counts that never scan the orders: a rollup PostgreSQL keeps itself.

`FacetCount` rows are deltas: (order status, line-item status or NULL, n). PostgreSQL triggers
(migration 0013) write them, so every writer is covered (the ORM, the sync's guarded UPDATEs,
raw SQL) and a count is exactly what is committed:

* each order row carries `line_statuses`, the distinct statuses of its line items, refreshed
  by statement-level triggers on orders_lineitem (the order row is locked first, so two
  transactions changing lines of one order cannot leave it stale);
* statement-level triggers on orders_order turn the rows a statement changed (their old and
  new versions, from its transition tables) into grouped +1 / -1 rows here: one per (order
  status, NULL) and one per (order status, each line-item status).

Rows are only ever inserted, never updated in place, so concurrent writers never wait on or
deadlock over a hot counter row; `compact()` (a beat task) folds them into one row per key in
a single statement. A reader sums them: for any key that is one index scan of a few dozen rows.

`sum(n)` for (s, NULL) is the number of orders with status s; for (s, l) it is the number of
orders with status s having at least one line item with status l. The orders list's facets use
it whenever its filter is only an order status and/or one line-item status; any other filter
narrows the orders and is counted by SQL (orders.querysets). SQLite (the smoke lane) has no
triggers here: `available()` is False and everything is counted by SQL.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models


class FacetCount(models.Model):
    order_status = models.TextField()
    # NULL: all orders of the status ('' is a real value: a line item not issued yet)
    line_status = models.TextField(null=True)  # noqa: DJ001
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["line_status", "order_status"], name="facet_count_key")]

    def __str__(self) -> str:
        return f"{self.order_status or '-'} / {self.line_status}: {self.n:+}"

    @staticmethod
    def available() -> bool:
        return connection.vendor == "postgresql"

    @classmethod
    def rollup(cls) -> dict[tuple[str, str | None], int]:
        """(order status, line-item status or None) -> orders, from one GROUP BY of the rows."""
        rows = cls.objects.values_list("order_status", "line_status").annotate(
            total=models.Sum("n")
        )
        return {(status, line): total for status, line, total in rows.order_by() if total}

    @classmethod
    def by_order_status(cls, line_status: str | None = None) -> dict[str, int]:
        """Orders per order status (having a line item with `line_status`, if given)."""
        rows = (
            cls.objects.filter(line_status=line_status)
            if line_status is not None
            else cls.objects.filter(line_status__isnull=True)
        )
        counts = rows.order_by().values_list("order_status").annotate(total=models.Sum("n"))
        return {status: total for status, total in counts if total}

    @classmethod
    def by_line_status(cls, order_statuses: Iterable[str] | None = None) -> dict[str, int]:
        """Orders per line-item status, among orders with one of `order_statuses` (or all)."""
        rows = cls.objects.filter(line_status__isnull=False)
        if order_statuses is not None:
            rows = rows.filter(order_status__in=list(order_statuses))
        counts = rows.order_by().values_list("line_status").annotate(total=models.Sum("n"))
        return {line: total for line, total in counts if total}

    @classmethod
    def compact(cls) -> int:
        """Fold the delta rows into one row per key (one statement; rows written meanwhile
        are not touched). Returns how many rows there are now."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT orders_facets_compact()")
            return cursor.fetchone()[0]

    @classmethod
    def rebuild(cls) -> None:
        """Recompute every order's line_statuses and the rollup from the tables (after a load
        with triggers off, or to repair)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT orders_facets_rebuild()")
