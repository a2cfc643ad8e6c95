"""Reading an uploaded file into headers and rows, or one clear sentence why it cannot be read.

CSV (UTF-8 with or without BOM; any other encoding detected by charset-normalizer, and named),
TSV, and XLSX (openpyxl in read-only mode, so memory stays flat however long the sheet). A file
refused here raises BadFile and nothing is stored. Formula cells are refused: their value is
what a spreadsheet computed, not what is in the file, and a CSV cell starting with "=" would run
as a formula when the error file is opened again.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

import charset_normalizer
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from uploads.columns import KEYS, MAX_ROWS, PROBLEMS_COLUMN, REQUIRED, normalise_header

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) format


class BadFile(ValueError):
    """The file cannot be used; the message says why, for the person who uploaded it."""


class NeedsMapping(BadFile):
    """The headers are not the template's: the person can match them to its columns once."""

    def __init__(self, message: str, headers: list[str]) -> None:
        super().__init__(message)
        self.headers = headers


IGNORE = "-"  # a mapping's value for a column to leave out


@dataclass
class ParsedFile:
    file_format: str  # csv | tsv | xlsx
    encoding: str  # "" for xlsx
    headers: list[str]  # as in the file
    keys: list[str]  # the template key of each header ("" for the ignored problems column)
    rows: list[list[str]] = field(default_factory=list)  # cells as text, one list per row
    row_numbers: list[int] = field(default_factory=list)  # line / sheet row of each row

    def values(self, index: int) -> dict[str, str]:
        """Row `index` by template key."""
        return {key: cell for key, cell in zip(self.keys, self.rows[index], strict=False) if key}


def read_file(
    name: str, data: bytes, *, max_bytes: int, mapping: dict[str, str] | None = None
) -> ParsedFile:
    """`mapping`: file header -> template column (IGNORE: leave it out) for headers that
    differ from the template's."""
    if not data:
        raise BadFile("The file is empty.")
    if len(data) > max_bytes:
        raise BadFile(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB. Split it into smaller files."
        )
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, mapping)
    if data.startswith(OLE_MAGIC):
        raise BadFile("This is an old Excel .xls file; save it as .xlsx or CSV and upload that.")
    text, encoding = _decode(data)
    delimiter = "\t" if name.lower().endswith(".tsv") or _looks_tab_separated(text) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    parsed = _start(iter(reader), "tsv" if delimiter == "\t" else "csv", encoding, mapping)
    for number, cells in enumerate(reader, start=2):
        _add_row(parsed, number, [cell.strip() for cell in cells], csv_text=True)
    return _finish(parsed)


def _decode(data: bytes) -> tuple[str, str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadFile("This is a binary file, not a spreadsheet: upload CSV, TSV or XLSX.")
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is None:
        raise BadFile(
            "The file's text encoding could not be recognised: save it as CSV UTF-8 and upload "
            "it again."
        )
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError) as exc:
        raise BadFile(
            f"The file looked like {best.encoding} text but is not: save it as CSV UTF-8."
        ) from exc


def _looks_tab_separated(text: str) -> bool:
    first = text.split("\n", 1)[0]
    return "\t" in first and "," not in first


def _start(rows, file_format: str, encoding: str, mapping: dict[str, str] | None) -> ParsedFile:
    headers: list[str] = []
    for cells in rows:
        if any(str(c).strip() for c in cells):
            headers = [str(c).strip() for c in cells]
            break
    if not headers:
        raise BadFile("The file has no header row (it is empty or blank).")
    while headers and not headers[-1]:
        headers.pop()
    keys = [(mapping or {}).get(h) or normalise_header(h) for h in headers]
    if any(h.startswith("=") for h in headers):
        raise BadFile("The header row has a formula; put plain column names there.")
    duplicates = sorted({h for h in keys if keys.count(h) > 1 and h and h != IGNORE})
    if duplicates:
        raise BadFile(f"These columns appear more than once: {', '.join(duplicates)}.")
    known = (*KEYS, PROBLEMS_COLUMN, IGNORE)
    unknown = [h for h, k in zip(headers, keys, strict=True) if k not in known]
    missing = [k for k in REQUIRED if k not in keys]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing required columns: {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown columns: {', '.join(h or '(blank)' for h in unknown)}")
        raise NeedsMapping(
            f"The columns do not match the template ({'; '.join(parts)}). Match them to the "
            "template's columns below, or download the template.",
            headers,
        )
    keys = ["" if k in (PROBLEMS_COLUMN, IGNORE) else k for k in keys]
    return ParsedFile(file_format=file_format, encoding=encoding, headers=headers, keys=keys)


def _add_row(parsed: ParsedFile, number: int, cells: list[str], *, csv_text: bool) -> None:
    if not any(cells):
        return  # blank lines are not rows
    if len(parsed.rows) >= MAX_ROWS:
        raise BadFile(f"The file has more than {MAX_ROWS:,} rows; split it into smaller files.")
    if csv_text:
        formula = next((c for c in cells if c.startswith("=")), None)
        if formula is not None:
            raise BadFile(
                f"Row {number} has a formula ({formula[:30]}); paste the values, not formulas."
            )
    width = len(parsed.headers)
    if len(cells) > width and any(cells[width:]):
        raise BadFile(f"Row {number} has more cells than the header row has columns.")
    parsed.rows.append((cells + [""] * width)[:width])
    parsed.row_numbers.append(number)


def _finish(parsed: ParsedFile) -> ParsedFile:
    if not parsed.rows:
        raise BadFile("The file has only the header row: there are no rows to check.")
    return parsed


def _read_xlsx(data: bytes, mapping: dict[str, str] | None) -> ParsedFile:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise BadFile(
            "This file is not a spreadsheet we can read: upload CSV, TSV or XLSX."
        ) from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows()
        parsed = _start((_texts(row, 1) for row in rows), "xlsx", "", mapping)
        for row in rows:
            _add_row(
                parsed,
                row[0].row if row else 0,
                _texts(row, row[0].row if row else 0),
                csv_text=False,
            )
        return _finish(parsed)
    finally:
        book.close()


def _texts(row, number: int) -> list[str]:
    cells = []
    for cell in row:
        if getattr(cell, "data_type", None) == "f":
            raise BadFile(
                f"Row {number} has a formula in {cell.coordinate}; paste the values, not formulas."
            )
        value = cell.value
        if value is None:
            cells.append("")
        elif isinstance(value, float) and value.is_integer():
            cells.append(str(int(value)))
        else:
            cells.append(str(value).strip())
    return cells
