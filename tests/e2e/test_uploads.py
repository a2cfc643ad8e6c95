"""A bulk upload in the browser: support uploads a small file with mixed rows, the real worker
runs the dry run while the progress bar polls, the problems show, the error file downloads,
the valid rows are placed and the page's rows table shows them placed."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import Page, expect

ROWS = [
    ["acme-usd-01", "U100001", "20.00", "EMAIL", "Avery", "Stone", "avery.e2e@example.com"],
    ["acme-usd-01", "U100001", "21.00", "EMAIL", "Blake", "Stone", "not-an-email"],
    ["acme-usd-01", "U999999", "22.00", "EMAIL", "Casey", "Stone", "casey.e2e@example.com"],
    ["acme-usd-01", "U100001", "23.00", "EMAIL", "Drew", "Stone", "drew.e2e@example.com"],
]
HEADERS = [
    "account",
    "utid",
    "amount",
    "delivery_method",
    "recipient_first_name",
    "recipient_last_name",
    "recipient_email",
]


def test_upload_dry_run_error_file_and_placement(page: Page, login, demo, worker, tmp_path):
    path = tmp_path / "team.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, *ROWS])
    path.write_text(buffer.getvalue())
    login("support")
    page.get_by_role("link", name="Uploads").click()
    page.get_by_text("The columns").click()
    page.screenshot(path="/tmp/uploads-index.png", full_page=True)
    page.get_by_label("File (CSV, TSV or XLSX)").set_input_files(path)
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Dry run summary")).to_be_visible(timeout=30_000)
    page.screenshot(path="/tmp/uploads-summary.png", full_page=True)
    expect(page.get_by_text("The recipient's email address is not valid.")).to_be_visible()
    expect(page.get_by_text("utid U999999 is not in the catalog")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error file (CSV)").click()
    lines = download.value.path().read_text().splitlines()
    assert lines[0].endswith(",problems") and len(lines) == 5
    assert "not valid" in lines[2] and lines[1].endswith(",")
    page.get_by_role("button", name="Place the rows").click()
    rows = page.locator("#upload-rows tbody tr[data-result=placed]")  # the live rows table
    expect(rows).to_have_count(2, timeout=30_000)
    expect(page.get_by_role("heading", name=re.compile("Orders placed"))).to_be_visible(
        timeout=30_000
    )
    page.screenshot(path="/tmp/uploads-placed.png", full_page=True)
