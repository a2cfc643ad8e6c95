"""The uploads demo that seed_demo adds: one file uploaded by support, its dry run done, its
rows showing each kind of problem a dry run reports, nothing placed."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from uploads.models import Upload

pytestmark = pytest.mark.integration


@pytest.fixture
def sim(demo_sim):
    return demo_sim


@pytest.mark.django_db(transaction=True)
def test_seed_demo_leaves_a_checked_upload_with_mixed_rows(sim, capsys):
    call_command("seed_demo", "--orders", "120")
    upload = Upload.objects.get()
    assert (upload.status, upload.created_by.username) == ("checked", "support")
    kinds = {kind["kind"] for kind in upload.summary["kinds"]}
    assert upload.summary["valid"] == 4 and upload.summary["invalid"] == 6, upload.summary
    assert len(kinds) >= 5, kinds
    assert not upload.rows.exclude(order=None).exists()  # a dry run places nothing
    assert "dry run done, 4 valid rows of 10" in capsys.readouterr().out
    call_command("seed_demo")  # seeded once
    assert Upload.objects.count() == 1
