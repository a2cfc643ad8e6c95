"""An upload's results file: every row in the template's column order plus its result,
referenceOrderID, order / line-item / delivery status and error; the same in CSV and XLSX;
contact data only for orders.view_recipient; audited like an export."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from core.actor import Actor
from tests.uploads.conftest import HEADERS, good_row
from tests.uploads.results.conftest import MIXED, checked, confirmed, place_at_tango, settle
from uploads.actions.results import RESULT_COLUMNS
from uploads.columns import KEYS

pytestmark = pytest.mark.django_db


@pytest.fixture
def tango(fake_tango, settings):
    settings.TANGO_ORDER_RATE = 0
    return fake_tango


def results_csv(client, upload) -> list[dict[str, str]]:
    response = client.post(reverse("uploads:results", args=[upload.pk]), {"file_format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="upload-{upload.pk}-results.csv"'
    )
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader)
    assert header == [*KEYS, *RESULT_COLUMNS]  # the template's order, the results after
    return [dict(zip(header, line, strict=True)) for line in reader]


def results_xlsx(client, upload) -> list[dict[str, str]]:
    response = client.post(reverse("uploads:results", args=[upload.pk]), {"file_format": "xlsx"})
    assert response.status_code == 200 and response.content[:4] == b"PK\x03\x04"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    lines = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert lines[0] == [*KEYS, *RESULT_COLUMNS]
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def test_each_row_says_what_became_of_it(client, uploader, catalog, account, actor, tango):
    # The file's columns in another order than the template's: the results file is in the
    # template's order all the same.
    upload = confirmed(actor, MIXED, headers=list(reversed(HEADERS)))
    first, second = place_at_tango(upload, tango, status="PENDING")
    settle(first, tango)
    client.force_login(uploader)
    rows = {row["row"]: row for row in results_csv(client, upload)}
    assert list(rows) == ["2", "3", "4", "5"]
    placed = rows["2"]
    assert placed["recipient_email"] == "jane1@example.com" and placed["utid"] == "U100001"
    assert placed["amount"] == "25.00" and placed["campaign"] == "Q3"
    assert placed["result"] == "Placed" and placed["reference_order_id"] == (
        first.reference_order_id
    )
    assert (placed["placement"], placed["order_status"], placed["line_item_status"]) == (
        "Placed",
        "COMPLETE",
        "COMPLETE",
    )
    assert placed["error"] == "" and placed["external_ref_id"] == first.external_ref_id
    pending = rows["5"]
    assert pending["order_status"] == "PENDING" and pending["placement"] == "Placed"
    assert pending["reference_order_id"] == second.reference_order_id
    bad = rows["3"]
    assert bad["result"] == "Not placed: problems" and bad["reference_order_id"] == ""
    assert "utid U999999 is not in the catalog" in bad["error"]
    assert "not valid" in rows["4"]["error"]
    assert results_xlsx(client, upload) == list(rows.values())  # the same in XLSX


def test_a_row_placed_before_says_when_and_by_whom_and_which_order(
    client, uploader, catalog, account, actor, tango, make_user
):
    first = confirmed(actor, [good_row(1)])
    (order,) = place_at_tango(first, tango, status="COMPLETE")
    manager = make_user("Manager", username="boss")
    again = checked(Actor.for_user(manager), [good_row(1), good_row(2)], name="again.csv")
    client.force_login(manager)
    rows = {row["row"]: row for row in results_csv(client, again)}
    duplicate = rows["2"]
    assert duplicate["result"] == "Already placed"
    assert "Already placed on " in duplicate["error"] and "by uploader" in duplicate["error"]
    assert duplicate["reference_order_id"] == order.reference_order_id  # where it went
    assert duplicate["order_status"] == "COMPLETE"
    assert rows["3"]["result"] == "Not placed yet" and rows["3"]["error"] == ""


CONTACT = good_row(
    1,
    recipient_mobile="+14155550101",
    address_street1="1 Main St",
    address_city="Springfield",
    address_state="IL",
    address_postal_code="62701",
    address_country="US",
)


def test_contact_data_only_with_view_recipient_and_each_download_is_audited(
    client, uploader, catalog, account, actor, make_user
):
    upload = checked(actor, [CONTACT])
    client.force_login(uploader)  # Support: holds orders.view_recipient
    (row,) = results_csv(client, upload)
    assert (row["recipient_last_name"], row["recipient_email"]) == ("Doe", "jane1@example.com")
    assert (row["recipient_mobile"], row["address_street1"]) == ("+14155550101", "1 Main St")
    no_contact = make_user(None, username="uploads-only")
    no_contact.user_permissions.add(
        Permission.objects.get(codename="add_upload", content_type__app_label="uploads")
    )
    client.force_login(no_contact)
    for masked in (results_csv(client, upload)[0], results_xlsx(client, upload)[0]):
        assert masked["recipient_first_name"] == "Jane" and masked["recipient_last_name"] == "D."
        assert masked["recipient_email"] == "j***@example.com"
        assert masked["recipient_mobile"] == "***01"
        for key in ("address_street1", "address_city", "address_state", "address_postal_code"):
            assert masked[key] == ""
        assert masked["address_country"] == "US" and masked["utid"] == "U100001"
    entries = AuditEntry.objects.filter(object_id=str(upload.pk), object_type="uploads.Upload")
    said = [
        (e.actor.username, e.action, e.after["kind"], e.after["recipients"])
        for e in entries.exclude(action=AuditAction.UPLOAD_CREATE).order_by("pk")
    ]
    assert said == [
        ("uploader", AuditAction.EXPORT_CSV, "upload_results", True),
        ("uploads-only", AuditAction.EXPORT_CSV, "upload_results", False),
        ("uploads-only", AuditAction.EXPORT_XLSX, "upload_results", False),
    ]


def test_no_results_file_while_the_dry_run_runs(client, uploader, catalog, account, actor):
    from tests.uploads.conftest import csv_bytes
    from uploads.actions.upload import create_upload

    upload = create_upload(name="a.csv", data=csv_bytes([good_row()]), actor=actor)
    client.force_login(uploader)
    url = reverse("uploads:results", args=[upload.pk])
    assert client.post(url, {"file_format": "csv"}).status_code == 404
    assert client.get(url).status_code == 405  # a GET writes nothing, so it downloads nothing
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT_CSV).exists()


def test_the_results_file_is_read_in_chunks_of_rows(
    client, uploader, catalog, account, actor, monkeypatch, django_assert_max_num_queries
):
    from uploads.actions import results

    upload = checked(actor, [good_row(n) for n in range(1, 8)])
    monkeypatch.setattr(results, "CHUNK", 3)
    client.force_login(uploader)
    # Session, user, permissions and the audit row, then 4 reads of rows (3 chunks and the
    # empty one that ends it; no order yet, so nothing else): never a query a row.
    with django_assert_max_num_queries(10):
        rows = results_csv(client, upload)
    assert [row["row"] for row in rows] == [str(n) for n in range(2, 9)]
