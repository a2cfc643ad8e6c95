"""The upload pages as their users see them: upload, progress fragment, summary, error file."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.uploads.conftest import csv_bytes, good_row
from uploads.actions.dry_run import run_dry_run
from uploads.models import Upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(client, uploader):
    client.force_login(uploader)
    return client


def upload_file(client, data: bytes, name: str = "team.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("uploads:index"), {"file": SimpleUploadedFile(name, data)})


def test_templates_download_in_both_formats(support):
    csv_file = support.get(reverse("uploads:template", args=["csv"]))
    assert csv_file.content.decode().startswith("account,utid,amount,currency,delivery_method,")
    assert "client_reference" in csv_file.content.decode().splitlines()[0]
    xlsx = support.get(reverse("uploads:template", args=["xlsx"]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx.content[:4] == b"PK\x03\x04"


def test_a_bad_file_is_explained_on_the_page_and_nothing_is_stored(support):
    response = upload_file(support, b"")
    assert response.status_code == 400
    assert "The file is empty." in response.content.decode()
    assert not Upload.objects.exists()


def test_upload_then_progress_then_summary(support, catalog, account):
    response = upload_file(support, csv_bytes([good_row(1), good_row(2, utid="U999999")]))
    upload = Upload.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "uploads:detail", args=[upload.pk]
    )
    page = support.get(reverse("uploads:detail", args=[upload.pk])).content.decode()
    assert "<strong>0</strong> of 2 rows checked" in page and 'hx-trigger="every 1s"' in page
    fragment = support.get(
        reverse("uploads:detail", args=[upload.pk]), headers={"HX-Request": "true"}
    )
    assert b"<html" not in fragment.content and "HX-Refresh" not in fragment
    run_dry_run(upload_id=upload.pk)  # what the worker does
    fragment = support.get(
        reverse("uploads:detail", args=[upload.pk]), headers={"HX-Request": "true"}
    )
    assert fragment["HX-Refresh"] == "true"
    page = support.get(reverse("uploads:detail", args=[upload.pk])).content.decode()
    assert "Dry run summary" in page and "utid U999999 is not in the catalog" in page
    assert "Place the valid rows" in page and "read as utf-8" in page
    errors = support.get(reverse("uploads:error-file", args=[upload.pk])).content.decode()
    assert errors.splitlines()[0].endswith(",problems")
    assert "not in the catalog" in errors.splitlines()[2]


def test_confirm_a_selection_from_the_page(support, catalog, account, actor):
    upload_file(support, csv_bytes([good_row(n) for n in range(1, 4)]))
    upload = run_dry_run(upload_id=Upload.objects.get().pk)
    url = reverse("uploads:detail", args=[upload.pk])
    page = support.get(url).content.decode()
    assert "As single orders" in page and 'name="rows"' in page
    confirm_url = reverse("uploads:confirm", args=[upload.pk])
    bad = support.post(confirm_url, {"which": "some", "rows": "4-2"}, follow=True)
    assert "Row numbers: The range 4-2 runs backwards" in bad.content.decode()
    assert Upload.objects.get().status == Upload.Status.CHECKED
    response = support.post(confirm_url, {"which": "some", "rows": "3"}, follow=True)
    assert "Placing 1 row(s) (rows 3)" in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PLACING
    assert list(upload.rows.filter(selected=True).values_list("number", flat=True)) == [3]
