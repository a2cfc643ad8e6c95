"""An upload placed by a real Celery worker on Redis against the simulator, the worker
SIGKILLed mid-placement and restarted, then the same file uploaded again: every row reaches
Tango exactly once (bench/upload_place.py, small)."""

from __future__ import annotations

import pytest

from bench.chaos.environment import ChaosEnvironmentError
from bench.upload_place import run

pytestmark = pytest.mark.integration


def test_a_killed_worker_resumes_and_every_row_is_placed_once(tmp_path):
    try:
        figures = run(rows=1500, single_rows=150, kill=True, rate=0, work_dir=tmp_path)
    except ChaosEnvironmentError as exc:
        pytest.skip(str(exc))
    total = 1650
    assert 0 < figures["killed_at_rows"] < total  # killed mid-placement
    assert figures["routes"] == {"bulk_rows": 1500, "approval_rows": 0, "single_rows": 150}
    assert figures["tango"] == {"line_items": total, "duplicate_line_refs": 0, "duplicate_refs": 0}
    assert figures["local"] == {"orders": 152, "line_items": total}  # 2 bulk + 150 single
    assert figures["second_upload"] == {"valid": 0, "already_placed": total}
