"""The reconciliation demo that seed_demo adds: one run with a mismatch of each injected kind,
and nothing else (the demo data itself, synced by the real sync code, reconciles clean)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from recon.models import Mismatch, ReconRun

pytestmark = pytest.mark.integration


@pytest.fixture
def sim(demo_sim):
    return demo_sim


@pytest.mark.django_db(transaction=True)
def test_seed_demo_leaves_a_run_with_a_few_mismatches(sim, capsys):
    call_command("seed_demo", "--orders", "120")
    run = ReconRun.objects.get()
    kinds = sorted(Mismatch.objects.values_list("kind", "field"))
    assert kinds == [
        ("amount", "amount_charged_fee"),
        ("line_item_status", "reward_status"),
        ("missing_at_tango", ""),
        ("missing_here", ""),
        ("order_status", ""),
        ("recipient", "recipient_email"),
    ]
    assert run.status == "mismatches" and run.found == 6
    assert "reconciliation #" in capsys.readouterr().out
    call_command("seed_demo")  # seeded once
    assert ReconRun.objects.count() == 1
