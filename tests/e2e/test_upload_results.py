"""An upload's results in the browser: support uploads a small file with mixed rows, sees the
dry run's problems (and filters them), downloads the error file, places the valid rows, watches
the placement progress and the rows' statuses come in from the real worker and the simulator,
downloads the results file and checks it, then follows a row to its order and back."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import Page, expect

HEADERS = [
    "account",
    "utid",
    "amount",
    "delivery_method",
    "recipient_first_name",
    "recipient_last_name",
    "recipient_email",
    "campaign",
]
ROWS = [
    ["acme-usd-01", "U100001", "20.00", "EMAIL", "Avery", "Lake", "avery.h3@example.com", "R1"],
    ["acme-usd-01", "U999999", "21.00", "EMAIL", "Blake", "Lake", "blake.h3@example.com", "R1"],
    ["acme-usd-01", "U100001", "22.00", "EMAIL", "Casey", "Lake", "not-an-email", "R1"],
    ["acme-usd-01", "U100001", "23.00", "EMAIL", "Drew", "Lake", "drew.h3@example.com", "R1"],
]
WAIT = 45_000


def test_results_file_and_live_statuses(page: Page, login, demo, worker, tmp_path):
    path = tmp_path / "team-h3.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, *ROWS])
    path.write_text(buffer.getvalue())
    login("support")
    page.get_by_role("link", name="Uploads").click()
    page.get_by_label("File (CSV, TSV or XLSX)").set_input_files(path)
    page.get_by_role("button", name="Upload and check").click()

    # The dry run's problems, in the rows table.
    expect(page.get_by_role("heading", name="Dry run summary")).to_be_visible(timeout=WAIT)
    table = page.locator("#upload-rows")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(page.locator("#row-3")).to_contain_text("utid U999999 is not in the catalog")
    expect(page.locator("#row-4")).to_contain_text("The recipient's email address is not valid.")
    page.screenshot(path="/tmp/h3-dry-run.png", full_page=True)
    page.get_by_role("navigation", name="Which rows").get_by_role(
        "link", name=re.compile("^Problems")
    ).click()
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"\?show=problems"))
    page.get_by_role("navigation", name="Which rows").get_by_role(
        "link", name=re.compile("^All rows")
    ).click()
    expect(table.locator("tbody tr")).to_have_count(4)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error file (CSV)").click()
    errors = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert errors[0] == [*HEADERS, "problems"] and len(errors) == 5
    assert errors[1][-1] == "" and "not in the catalog" in errors[2][-1]

    # Placement: progress, then each row's statuses as the worker and the sync bring them in.
    page.get_by_role("button", name="Place the rows").click()
    expect(page.locator("#placement-progress")).to_be_visible(timeout=WAIT)
    page.screenshot(path="/tmp/h3-progress.png", full_page=True)
    expect(page.locator("#upload-rows tbody tr[data-result=placed]")).to_have_count(2, timeout=WAIT)
    expect(page.locator("#placement-progress")).to_contain_text("2 of 2 rows placed at Tango")
    expect(page.locator("#row-2")).to_contain_text("Complete", timeout=WAIT)
    expect(page.get_by_text("Every row is final")).to_be_visible(timeout=WAIT)
    page.screenshot(path="/tmp/h3-placed.png", full_page=True)

    # The results file.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the results (CSV)").click()
    assert download.value.suggested_filename.endswith("-results.csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    header = next(csv.reader(io.StringIO(text)))
    assert header[:3] == ["account", "utid", "amount"] and header[-9:] == [
        "row",
        "result",
        "reference_order_id",
        "placement",
        "order_status",
        "line_item_status",
        "delivery_status",
        "error",
        "external_ref_id",
    ]
    by_row = {line["row"]: line for line in lines}
    assert list(by_row) == ["2", "3", "4", "5"]
    for number in ("2", "5"):
        placed = by_row[number]
        assert placed["result"] == "Placed" and placed["reference_order_id"]
        assert placed["order_status"] == "COMPLETE" and placed["line_item_status"] == "COMPLETE"
        assert placed["error"] == ""
    assert by_row["2"]["recipient_email"] == "avery.h3@example.com"  # support: view_recipient
    assert by_row["3"]["result"] == "Not placed: problems"
    assert "not in the catalog" in by_row["3"]["error"] and by_row["3"]["reference_order_id"] == ""
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the results (XLSX)").click()
    assert download.value.path().read_bytes()[:4] == b"PK\x03\x04"

    # The row's order, and back to the row.
    reference = by_row["2"]["reference_order_id"]
    page.locator("#row-2").get_by_role("link", name=reference).click()
    origin = page.get_by_role("note").filter(has_text="From upload")
    expect(origin).to_contain_text(re.compile(r"From upload team-h3\.csv \(upload \d+\), row 2"))
    page.screenshot(path="/tmp/h3-order.png", full_page=True)
    origin.get_by_role("link", name="2", exact=True).click()
    expect(page.locator("#row-2")).to_be_visible()
    expect(page).to_have_url(re.compile(r"after=1#row-2$"))
