"""The files handed back: the template (CSV, XLSX) and an upload's error file.

The error file is the original rows, in the file's own columns, plus a `problems` column
(every problem and warning of the row, "; " between them). uploads.reading ignores that column,
so the file, fixed, can be uploaded again as it is.
"""

from __future__ import annotations

import csv
import io

import xlsxwriter

from uploads.columns import COLUMNS, KEYS, PROBLEMS_COLUMN
from uploads.models import Upload

# A cell a spreadsheet would run as a formula is written with a leading apostrophe (OWASP's
# CSV-injection advice); our own reader refuses "=" cells, so a user sees it.
_FORMULA_START = ("=", "@")


def template_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(KEYS)
    writer.writerow([column.example for column in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Orders")
    bold = book.add_format({"bold": True})
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.key, bold)
        sheet.write_string(1, col, column.example)
        sheet.set_column(col, col, max(12, len(column.key) + 2))
    help_sheet = book.add_worksheet("Columns")
    for row, column in enumerate(COLUMNS):
        help_sheet.write_string(row, 0, column.key, bold)
        help_sheet.write_string(row, 1, "required" if column.required else "optional")
        help_sheet.write_string(row, 2, column.meaning)
    book.close()
    return buffer.getvalue()


def error_file_csv(upload: Upload) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    keep = [i for i, key in enumerate(upload.keys) if key]  # an old problems column goes
    writer.writerow([upload.headers[i] for i in keep] + [PROBLEMS_COLUMN])
    for cells, problems, warnings in (
        upload.rows.order_by("number").values_list("cells", "problems", "warnings").iterator()
    ):
        said = "; ".join(p["message"] for p in problems + warnings)
        writer.writerow([neutralised(cells[i]) for i in keep] + [said])
    return buffer.getvalue().encode("utf-8")


def neutralised(cell: str) -> str:
    """The cell as written to a file a spreadsheet opens (a formula start made text)."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell
