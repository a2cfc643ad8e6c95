"""Bad files get one clear sentence and nothing is stored; good ones in every format are read."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from tests.uploads.conftest import HEADERS, csv_bytes, good_row
from uploads.actions.upload import create_upload
from uploads.columns import MAX_ROWS
from uploads.models import Upload, UploadRow
from uploads.reading import BadFile, read_file

LIMIT = 10 * 1024 * 1024


def xlsx_bytes(rows: list[list], headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_csv_utf8_with_and_without_bom():
    data = csv_bytes([good_row(recipient_first_name="Zoë")])
    plain = read_file("a.csv", data, max_bytes=LIMIT)
    bom = read_file("a.csv", b"\xef\xbb\xbf" + data, max_bytes=LIMIT)
    assert (plain.encoding, bom.encoding) == ("utf-8", "utf-8-sig")
    assert plain.headers == bom.headers == HEADERS  # the BOM is not part of the first header
    assert plain.values(0)["recipient_first_name"] == "Zoë"


def test_windows_1252_is_detected_and_named():
    rows = [good_row(n, recipient_first_name="Renée", campaign="Café crème") for n in range(30)]
    data = csv_bytes(rows).decode("utf-8").encode("cp1252")
    parsed = read_file("a.csv", data, max_bytes=LIMIT)
    assert parsed.encoding.replace("_", "").lower() in {"cp1252", "windows1252", "latin1"}
    assert parsed.values(0)["recipient_first_name"] == "Renée"


def test_tsv_and_headers_in_other_spellings():
    data = csv_bytes([good_row()], delimiter="\t")
    assert read_file("a.tsv", data, max_bytes=LIMIT).file_format == "tsv"
    spelled = [h.replace("_", " ").title() for h in HEADERS]
    parsed = read_file(
        "a.csv", csv_bytes([], spelled) + b"acme-usd-01,U100001,5,,EMAIL,J\r\n", max_bytes=LIMIT
    )
    assert parsed.keys == HEADERS and parsed.values(0)["amount"] == "5"


def test_xlsx_read_only():
    parsed = read_file(
        "a.xlsx", xlsx_bytes([["acme-usd-01", "U100001", 25, "USD", "EMAIL", "J"]]), max_bytes=LIMIT
    )
    assert parsed.file_format == "xlsx" and parsed.values(0)["amount"] == "25"
    assert parsed.row_numbers == [2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n  \n", "no header row"),
        (csv_bytes([]), "only the header row"),
        (b"account,utid\nx,y\n", "missing required columns: amount, delivery_method"),
        (csv_bytes([], [*HEADERS, "colour"]), "unknown columns: colour"),
        (csv_bytes([], [*HEADERS, "Amount"]), "appear more than once: amount"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" + bytes(range(256)) * 4, "binary file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel .xls"),
        (b"PK\x03\x04" + b"\x00" * 100, "not a spreadsheet we can read"),
        (csv_bytes([good_row(amount="=SUM(A1:A2)")]), "Row 2 has a formula"),
    ],
    ids=[
        "empty",
        "blank",
        "headers-only",
        "missing",
        "unknown",
        "duplicate",
        "binary",
        "xls",
        "bad-zip",
        "csv-formula",
    ],
)
def test_bad_files_are_refused_in_words(data, message):
    with pytest.raises(BadFile, match=message):
        read_file("a.csv", data, max_bytes=LIMIT)


def test_xlsx_formula_cells_are_refused():
    data = xlsx_bytes([["acme-usd-01", "U100001", "=10+15", "USD", "EMAIL", "J"]])
    with pytest.raises(BadFile, match="formula in C2"):
        read_file("a.xlsx", data, max_bytes=LIMIT)


def test_too_large_and_too_many_rows():
    with pytest.raises(BadFile, match="the limit is 1 MB"):
        read_file("a.csv", b"x" * (1_048_576 + 1), max_bytes=1_048_576)
    line = b"acme-usd-01,U100001,5,,EMAIL,J\n"
    data = b"account,utid,amount,currency,delivery_method,recipient_first_name\n"
    with pytest.raises(BadFile, match="more than 50,000 rows"):
        read_file("a.csv", data + line * (MAX_ROWS + 1), max_bytes=LIMIT)
    assert len(read_file("a.csv", data + line * MAX_ROWS, max_bytes=LIMIT).rows) == MAX_ROWS


def test_a_bad_file_stores_nothing(db, actor):
    with pytest.raises(BadFile):
        create_upload(name="a.csv", data=csv_bytes([]), actor=actor)
    assert not Upload.objects.exists() and not UploadRow.objects.exists()
