"""Bounded chaos run: real simulator with faults, real Celery workers on Redis, a SIGKILL.

The same code as `python bench/chaos_place.py` (its `run()`), scaled down: 60 orders at 20
POST/s with higher fault rates, short timeouts and a fast sweeper, so it finishes in about a
minute. The workers need to share a database with the process creating the orders, so the
run creates its own throwaway PostgreSQL database instead of pytest-django's test database.
"""

from __future__ import annotations

import pytest

from bench.chaos_place import ChaosEnvironmentError, run

pytestmark = pytest.mark.integration

ORDERS = 60
# A Redis db used by nothing else: the run flushes it (the CLI default is db 14).
REDIS_URL = "redis://127.0.0.1:6379/13"


def test_every_order_is_placed_exactly_once_under_chaos(tmp_path):
    try:
        report = run(
            orders=ORDERS,
            workers=2,
            concurrency=2,
            rate=20,
            sim_tps=25,
            faults={"lost_response": 0.10, "500": 0.04, "503": 0.05, "429": 0.05, "timeout": 0.05},
            timeout_seconds=3,  # timed-out requests arrive late and create the order then
            read_timeout=2,
            create_latency_ms=50,  # keeps requests in flight long enough for the kill to hit
            kills=1,
            seed=7,
            timeout=150,
            placing_stale_after=8,
            queued_stale_after=8,
            sweep_every=1,
            redis_url=REDIS_URL,
            work_dir=tmp_path,
        )
    except ChaosEnvironmentError as exc:
        pytest.skip(str(exc))

    examples = report["mismatch_examples"]
    assert not report["timed_out"], report["local_states"]
    assert report["duplicates"] == 0 and report["sim_duplicate_external_refs"] == 0
    # The simulator refuses a second order per (account, externalRefID) by itself, so the two
    # checks above cannot fail; these can: every order the simulator holds (a fresh one per
    # run) is one of ours, one each, and each carries the amount we meant to send.
    assert report["sim_orders_total"] == report["orders"] == ORDERS
    assert report["amount_mismatches"] == 0, examples
    assert report["lost"] == 0, examples
    assert report["orphans"] == 0
    assert report["orders"] == report["created_at_tango"] == ORDERS
    assert report["local_states"] == {"placed": ORDERS}
    assert report["status_mismatches"] == 0, examples
    # The chaos really happened: faults were injected and a worker was killed mid-run.
    assert report["kills"] == 1
    assert report["faults_injected"].get("lost_response", 0) > 0
    assert report["sim_posts"] > ORDERS
