"""Headers that differ from the template's: matched once, remembered per header set."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.uploads.conftest import csv_bytes
from uploads.actions.upload import create_upload
from uploads.models import ColumnMapping, Upload
from uploads.reading import NeedsMapping

pytestmark = pytest.mark.django_db

THEIR_HEADERS = ["Account", "Reward", "Value", "Method", "First", "E-mail", "Colour"]
THEIR_ROW = {
    "Account": "acme-usd-01",
    "Reward": "U100001",
    "Value": "15",
    "Method": "EMAIL",
    "First": "Jo",
    "E-mail": "jo@example.com",
    "Colour": "blue",
}
MAPPING = {
    "Account": "account",
    "Reward": "utid",
    "Value": "amount",
    "Method": "delivery_method",
    "First": "recipient_first_name",
    "E-mail": "recipient_email",
    "Colour": "-",
}
DATA = csv_bytes([THEIR_ROW], THEIR_HEADERS)


def test_other_headers_ask_for_a_mapping_then_it_is_remembered(catalog, account, actor):
    with pytest.raises(NeedsMapping) as refused:
        create_upload(name="hr.csv", data=DATA, actor=actor)
    assert refused.value.headers == THEIR_HEADERS and not Upload.objects.exists()
    first = create_upload(name="hr.csv", data=DATA, actor=actor, mapping=MAPPING)
    assert first.keys == [*list(MAPPING.values())[:-1], ""]  # Colour left out
    assert ColumnMapping.objects.get().mapping == MAPPING
    again = create_upload(name="hr-october.csv", data=DATA, actor=actor)  # no mapping given
    assert again.keys == first.keys
    row = again.rows.get()
    assert row.cells[:3] == ["acme-usd-01", "U100001", "15"]


def test_a_mapping_onto_one_column_twice_is_refused(catalog, account, actor):
    twice = MAPPING | {"First": "account"}
    with pytest.raises(Exception, match="more than once: account"):
        create_upload(name="hr.csv", data=DATA, actor=actor, mapping=twice)
    assert not ColumnMapping.objects.exists()


def test_the_mapping_step_in_the_page(client, uploader, catalog, account):
    client.force_login(uploader)
    page = client.post(reverse("uploads:index"), {"file": SimpleUploadedFile("hr.csv", DATA)})
    html = page.content.decode()
    assert "Match your columns" in html and 'value="E-mail"' in html
    assert '<option value="account" selected>' in html  # "Account" is a template column
    response = client.post(
        reverse("uploads:index"),
        {
            "file": SimpleUploadedFile("hr.csv", DATA),
            "header": list(MAPPING),
            "column": list(MAPPING.values()),
        },
    )
    upload = Upload.objects.get()
    assert response.status_code == 302 and upload.total_rows == 1
