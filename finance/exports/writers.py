"""CSV (stdlib csv, streamed) and XLSX (XlsxWriter in constant_memory mode) writers.

Both write the same sheet: the header block, a blank row, the column headers, the data rows
and, per currency pair (account currency, reward currency), a totals row summed from exactly
the rows written (or the report's own totals rows, as on screen). Text cells are neutralised
(finance.exports.columns.neutralise); memory stays flat: rows are read in chunks from a
server-side cursor and never held.

XlsxWriter was chosen over openpyxl's write-only mode for writing: it is maintained, streams
rows to disk in constant_memory mode and is several times faster; openpyxl reads files back in
the tests.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from operator import add, itemgetter
from pathlib import Path
from typing import Any

import xlsxwriter

from finance.exports.columns import FORMULA_STARTS, neutralise
from finance.exports.sources import ExportSource

BOM = "\ufeff"  # so Excel opens the UTF-8 CSV with the right encoding
FLUSH_ROWS = 1000
PROGRESS_ROWS = 10_000  # one UPDATE of the job's progress per this many rows
Progress = Callable[[int], None]
FORMULA_FIRST = frozenset(FORMULA_STARTS)


class _Sheet:
    """What both formats share: cell conversion and totals per currency pair."""

    def __init__(self, source: ExportSource) -> None:
        self.source = source
        columns = source.columns
        # Streamed rows arrive neutralised from SQL; computed ones (report, tax) are done here.
        texts = [] if source.neutralised_in_sql else columns
        self.texts = [n for n, c in enumerate(texts) if c.kind == "text"]
        self.times = [n for n, c in enumerate(columns) if c.kind == "datetime"]
        self.money = [n for n, c in enumerate(columns) if c.kind == "money"]
        self.keys = source.currency_indexes
        self.key_of = _getter(self.keys)
        self.money_of = _getter(self.money)
        self.totals: dict[tuple, list[Any]] = {}

    def convert(self, row: tuple[Any, ...] | list[Any]) -> list[Any]:
        """One row as written: neutralised, local times, added to its currency's totals (the
        hot loop of every export, so the getters and adds run in C: itemgetter, map)."""
        cells = list(row)
        for n in self.texts:
            value = cells[n]
            if value is None:
                cells[n] = ""
            elif value[:1] in FORMULA_FIRST:
                cells[n] = "'" + value
        for n in self.times:
            value = cells[n]
            if value is not None and value.tzinfo is not None:
                # Aware when it comes through Django's converters (SQLite); from the
                # server-side cursor it is already the naive local time.
                cells[n] = value.astimezone(self.source.zone).replace(tzinfo=None)
        if self.source.fixed_totals is None:
            key = self.key_of(cells)
            sums = self.totals.get(key)
            if sums is None:
                sums = self.totals[key] = [0, *([Decimal("0.00")] * len(self.money))]
            sums[0] += 1
            sums[1:] = map(add, sums[1:], self.money_of(cells))
        return cells

    def total_rows(self) -> list[list[Any]]:
        if self.source.fixed_totals is not None:
            return [self.convert_fixed(row) for row in self.source.fixed_totals]
        rows = []
        for key, sums in sorted(self.totals.items(), key=lambda item: item[0]):
            row: list[Any] = [""] * len(self.source.columns)
            row[0] = f"{self.source.total_label} ({sums[0]} rows)"
            for n, value in zip(self.keys, key, strict=True):
                row[n] = value
            for i, n in enumerate(self.money, start=1):
                row[n] = sums[i]
            rows.append(row)
        return rows

    def convert_fixed(self, row: list[Any]) -> list[Any]:
        return [neutralise(v) if isinstance(v, str) and v else v for v in row]

    def header(self) -> list[list[str]]:
        block = [[neutralise(key), neutralise(value)] for key, value in self.source.header]
        return [*block, [], [column.header for column in self.source.columns]]


def _getter(indexes: list[int] | tuple[int, ...]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """itemgetter that always returns a tuple (itemgetter(n) alone returns the item)."""
    if not indexes:
        return lambda cells: ()
    if len(indexes) == 1:
        get = itemgetter(indexes[0])
        return lambda cells: (get(cells),)
    return itemgetter(*indexes)


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return "" if value is None else value


def csv_chunks(source: ExportSource, progress: Progress | None = None) -> Iterator[str]:
    """The CSV as text chunks (for StreamingHttpResponse or a file)."""
    sheet = _Sheet(source)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerows(sheet.header())
    done = 0
    times = set(sheet.times)
    for row in source.rows():
        cells = sheet.convert(row)
        for n in times:
            cells[n] = _text(cells[n])
        writer.writerow(cells)
        done += 1
        if done % FLUSH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if progress is not None and done % PROGRESS_ROWS == 0:
                progress(done)
    writer.writerows([[_text(v) for v in row] for row in sheet.total_rows()])
    yield buffer.getvalue()
    if progress is not None:
        progress(done)


def write_csv(source: ExportSource, path: Path, progress: Progress | None = None) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        for chunk in csv_chunks(source, progress):
            out.write(chunk)


def write_xlsx(
    source: ExportSource, path: Path | io.BytesIO, progress: Progress | None = None
) -> None:
    sheet = _Sheet(source)
    workbook = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    worksheet = workbook.add_worksheet("Export")
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    kinds = [column.kind for column in source.columns]
    row_number = 0
    for cells in sheet.header():
        for n, value in enumerate(cells):
            worksheet.write_string(row_number, n, str(value), bold if n == 0 else None)
        row_number += 1

    def write(cells: list[Any], style: Any = None) -> None:
        nonlocal row_number
        for n, value in enumerate(cells):
            if value is None or value == "":
                continue
            kind = kinds[n]
            if isinstance(value, str):
                worksheet.write_string(row_number, n, value, style)
            elif kind == "datetime":
                worksheet.write_datetime(row_number, n, value, when)
            else:
                number = float(value)  # Excel keeps doubles; 2-decimal money stays exact
                worksheet.write_number(row_number, n, number, money if kind == "money" else style)
        row_number += 1

    done = 0
    for row in source.rows():
        write(sheet.convert(row))
        done += 1
        if progress is not None and done % PROGRESS_ROWS == 0:
            progress(done)
    for cells in sheet.total_rows():
        write(cells, bold)
    workbook.close()
    if progress is not None:
        progress(done)
