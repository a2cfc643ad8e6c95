"""One order placed end to end by a real Celery worker on Redis, against the simulator.

Nothing in-process: the worker is `celery -A rewards_admin worker` in a subprocess, the
broker is Redis, the database a throwaway PostgreSQL database that the worker and the
`manage.py shell` creating the order both use (pytest-django's test database is private to
this process, so it cannot be shared).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys

import pytest

from bench.chaos.environment import (
    REPO_ROOT,
    ChaosEnvironmentError,
    WorkerFleet,
    child_env,
    flush_redis,
    migrate,
    throwaway_database,
)
from tango_sim.testing import running_simulator

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/12"  # a db used by nothing else: it is flushed

PLACE_ONE = """
import json, time
from orders.models import Account, Customer, Order
from core.actor import Actor
from orders.actions.entry import create_order

customer = Customer.objects.create(identifier="acme-main", display_name="Acme Corporation")
account = Account.objects.create(identifier="acme-usd-01", customer=customer, display_name="Acme")
order = create_order(
    account=account, utid="U100001", amount="12.34", delivery_method="EMAIL",
    recipient_first_name="Jane", recipient_email="jane@example.com", actor=Actor.system(),
)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    order.refresh_from_db()
    if order.state not in ("queued", "placing"):
        break
    time.sleep(0.2)
print(json.dumps({
    "external_ref_id": order.external_ref_id, "state": order.state,
    "reference_order_id": order.reference_order_id, "tango_status": order.tango_status,
    "events": list(order.events.order_by("id").values_list("kind", flat=True)),
}))
"""


def test_a_real_worker_places_an_order_end_to_end(tmp_path):
    with contextlib.ExitStack() as stack:
        try:
            flush_redis(REDIS_URL)
            db_url = stack.enter_context(throwaway_database(None))
        except ChaosEnvironmentError as exc:
            pytest.skip(str(exc))
        stack.callback(flush_redis, REDIS_URL)
        sim = stack.enter_context(running_simulator(tmp_path / "sim", TANGO_SIM_ORDER_TPS="1"))
        env = child_env(sim, db_url, REDIS_URL, 1.0, 5.0, tmp_path)
        migrate(env, tmp_path)
        fleet = WorkerFleet(env, "celery", count=1, concurrency=1, log_dir=tmp_path)
        stack.callback(fleet.stop_all)
        fleet.start_all()
        shell = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", PLACE_ONE],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        fleet.stop_all()
        stats = sim.stats()

    assert shell.returncode == 0, shell.stderr[-2000:]
    order = json.loads(shell.stdout.strip().splitlines()[-1])
    assert order["state"] == "placed", (tmp_path / "worker0.log").read_text()[-3000:]
    assert order["reference_order_id"] and order["tango_status"] == "COMPLETE"
    assert order["events"][:4] == [
        "created",
        "placement_attempt",
        "state_changed",
        "status_changed",
    ]
    # The re-read queued after placement may already have brought the line item's statuses.
    assert set(order["events"][4:]) <= {"line_item_changed"}
    assert stats["orders_by_external_ref"] == {order["external_ref_id"]: 1}
    assert stats["posts_orders"] == 1
    assert fleet.workers[0].returncode is not None  # the worker was stopped
