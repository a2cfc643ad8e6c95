"""An upload's results file (CSV or XLSX): every row in the template's column order, then what
became of it (RESULT_COLUMNS). Audited like the finance exports (export.csv / export.xlsx with
kind "upload_results"), before the first byte is sent.

Recipient contact data is written only for a user holding orders.view_recipient; for anyone
else it is masked as on the console's pages (core.masking): "Jane" + "D.", j***@example.com,
***34, and of the address only the country. Cells a spreadsheet would run as formulas get a
leading apostrophe, as in the error file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import xlsxwriter

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.masking import mask_email, mask_phone
from uploads.actions.dry_run import row_values
from uploads.actions.files import neutralised
from uploads.columns import KEYS
from uploads.models import Upload
from uploads.outcomes import RESULTS, RowOutcome, row_outcomes

CHUNK = 1000
BOM = "\ufeff"  # so Excel opens the UTF-8 CSV as UTF-8
RESULT_COLUMNS = (
    "row",
    "result",
    "reference_order_id",
    "placement",
    "order_status",
    "line_item_status",
    "delivery_status",
    "error",
    "external_ref_id",
)
HEADERS = (*KEYS, *RESULT_COLUMNS)
FORMATS = ("csv", "xlsx")
_BLANKED = (
    "address_company",
    "address_street1",
    "address_street2",
    "address_city",
    "address_state",
    "address_postal_code",
)
_MASKS: dict[str, Callable[[str], str]] = {
    "recipient_last_name": lambda v: f"{v.strip()[:1].upper()}." if v.strip() else "",
    "recipient_email": mask_email,
    "recipient_mobile": mask_phone,
    **{key: lambda v: "" for key in _BLANKED},
}


def may_see_recipients(user: Any) -> bool:
    return user.has_perm("orders.view_recipient")


def record_results_download(*, upload: Upload, actor: Actor, file_format: str) -> bool:
    """The audit row of a results file; says (and returns) whether contact data is in it."""
    unmasked = may_see_recipients(actor.user)
    record(
        actor=actor,
        action=AuditAction.EXPORT_CSV if file_format == "csv" else AuditAction.EXPORT_XLSX,
        obj=upload,
        after={"kind": "upload_results", "rows": upload.total_rows, "recipients": unmasked},
    )
    return unmasked


def result_rows(upload: Upload, *, unmasked: bool) -> Iterator[list[str]]:
    """The data rows, in chunks of CHUNK rows (keyset on the row number: memory stays flat)."""
    last = 0
    while True:
        rows = list(upload.rows.filter(number__gt=last).order_by("number")[:CHUNK])
        if not rows:
            return
        for outcome in row_outcomes(upload, rows):
            yield _cells(upload, outcome, unmasked)
        last = rows[-1].number


def _cells(upload: Upload, outcome: RowOutcome, unmasked: bool) -> list[str]:
    values = row_values(upload, outcome.row)
    original = [values.get(key, "") for key in KEYS]
    if not unmasked:
        original = [
            _MASKS[key](value) if key in _MASKS else value
            for key, value in zip(KEYS, original, strict=True)
        ]
    order = outcome.shown_order
    extra = [
        str(outcome.row.number),
        RESULTS[outcome.result],
        (order.reference_order_id or "") if order else "",
        outcome.placement,
        outcome.order_status,
        outcome.line_item_status,
        outcome.delivery_status,
        outcome.error,
        order.external_ref_id if order else outcome.row.external_ref_id,
    ]
    return [neutralised(str(cell)) for cell in (*original, *extra)]


def results_csv(upload: Upload, *, unmasked: bool) -> Iterator[str]:
    """The CSV as text chunks (for a StreamingHttpResponse)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(HEADERS)
    for n, cells in enumerate(result_rows(upload, unmasked=unmasked), start=1):
        writer.writerow(cells)
        if n % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def results_xlsx(upload: Upload, *, unmasked: bool) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            # Rows go to temporary files as they are written, not into memory: a 50,000-row
            # upload is 1.6 million cells.
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet("Results")
    bold = book.add_format({"bold": True})
    for col, header in enumerate(HEADERS):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, max(12, len(header) + 2))
    sheet.freeze_panes(1, 0)
    for row_number, cells in enumerate(result_rows(upload, unmasked=unmasked), start=1):
        for col, cell in enumerate(cells):
            if cell:
                sheet.write_string(row_number, col, cell)
    book.close()
    return buffer.getvalue()
