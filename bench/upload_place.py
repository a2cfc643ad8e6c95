"""Placing an upload end to end (issue 12): real Celery workers on Redis, a throwaway PostgreSQL
database, the Tango simulator at Tango's rate limit; optionally a worker SIGKILLed while the
upload is being placed, and the same file uploaded again afterwards.

    python bench/upload_place.py [--rows 10000] [--single-rows 0] [--kill] [--json PATH]

The file's rows go to account acme-usd-01, switched to Tango's async orders (so they are placed
as bulk orders, POST /asyncOrders, up to 1,000 line items each), and `--single-rows` more to
globex-usd-01, which is not (single orders, POST /orders, one a second). The run uploads the
file as a Support user, lets the worker's dry run finish, confirms all valid rows, and clocks
until every row's order is placed at Tango; then it uploads the same file as another user and
checks that its dry run finds every row already placed. It prints the figures and checks the
simulator: every row exactly once (by externalRefID / externalRefLineItemID).

tests/uploads/test_placement_workers.py runs a small version of it with a SIGKILL in CI.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.chaos.environment import (  # noqa: E402
    WorkerFleet,
    child_env,
    flush_redis,
    migrate,
    throwaway_database,
)
from tango_sim.testing import running_simulator  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/11"  # flushed: used by nothing else (chaos tests: 13, 14)
HEADERS = [
    "account",
    "utid",
    "amount",
    "currency",
    "delivery_method",
    "recipient_first_name",
    "recipient_last_name",
    "recipient_email",
    "campaign",
    "client_reference",
]

SETUP = """
import json, os
from django.contrib.auth import get_user_model
from core.roles import ensure_roles
from orders.models import Account
from orders.sync import reference
ensure_roles()
reference.sync_accounts()
reference.sync_catalog(force=True)
Account.objects.filter(identifier="acme-usd-01").update(async_orders_enabled=True)
User = get_user_model()
for name in ("uploader", "again"):
    user, _ = User.objects.get_or_create(username=name, defaults={"is_staff": True})
    from django.contrib.auth.models import Group
    user.groups.add(Group.objects.get(name="Support"))
print(json.dumps({"ok": True}))
"""

UPLOAD = """
import json, os
from django.contrib.auth import get_user_model
from core.actor import Actor
from uploads.actions.upload import create_upload
user = get_user_model().objects.get(username=os.environ["BENCH_USER"])
data = open(os.environ["BENCH_FILE"], "rb").read()
upload = create_upload(name="team.csv", data=data, actor=Actor.for_user(user))
print(json.dumps({"upload": upload.pk}))
"""

CONFIRM = """
import json, os
from django.contrib.auth import get_user_model
from core.actor import Actor
from uploads.actions.confirm import confirm_upload
user = get_user_model().objects.get(username="uploader")
upload = confirm_upload(upload_id=int(os.environ["BENCH_UPLOAD"]), actor=Actor.for_user(user))
print(json.dumps({"routes": upload.summary.get("routes")}))
"""

# What beat's resume-uploads and sweep-stuck-placements entries do (every 2 min / 1 min, on
# uploads PLACING > 2 min and orders QUEUED > 10 min), with shorter thresholds so a run does
# not wait for them: a killed worker's messages otherwise come back only with the visibility
# timeout.
SWEEP = """
import json
from datetime import timedelta
from orders.actions.sweeper import sweep_stuck_placements
from uploads.actions.confirm import resume_placing
resumed = resume_placing(older_than=timedelta(seconds=10))
swept = sweep_stuck_placements(
    placing_stale_after=timedelta(seconds=30), queued_stale_after=timedelta(seconds=15)
)
print(json.dumps({"resumed": resumed, "swept": str(swept)}))
"""


def rows_csv(rows: int, single_rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for n in range(rows + single_rows):
        account = "acme-usd-01" if n < rows else "globex-usd-01"
        writer.writerow(
            [account, "U100001", "5.00", "USD", "EMAIL", "Pat", f"Lee{n}",
             f"pat.lee{n}@example.com", "bench", f"r{n}"]
        )  # fmt: skip
    return out.getvalue().encode()


def shell(env: dict[str, str], code: str, **extra: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO_ROOT,
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def query(db_url: str, sql: str, *params: Any) -> list[tuple]:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def wait_for(what: str, check, timeout: float, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"{what}: not after {timeout:.0f} s")


def upload_status(db_url: str, upload_id: int) -> tuple[str, int, int]:
    ((status, checked, placed),) = query(
        db_url,
        "SELECT status, checked_rows, placed_rows FROM uploads_upload WHERE id = %s",
        upload_id,
    )
    return status, checked, placed


def run(
    *,
    rows: int,
    single_rows: int = 0,
    kill: bool = False,
    rate: float = 1.0,
    work_dir: Path,
    timeout: float = 900,
) -> dict[str, Any]:
    """Everything above; returns the figures (raises on a broken guarantee's precondition)."""
    figures: dict[str, Any] = {"rows": rows, "single_rows": single_rows, "kill": kill}
    with contextlib.ExitStack() as stack:
        flush_redis(REDIS_URL)
        stack.callback(flush_redis, REDIS_URL)
        db_url = stack.enter_context(throwaway_database(None))
        sim = stack.enter_context(
            running_simulator(work_dir / "sim", TANGO_SIM_ORDER_TPS=str(rate or 0))
        )
        env = child_env(sim, db_url, REDIS_URL, rate, 10.0, work_dir)
        env["CELERY_VISIBILITY_TIMEOUT"] = "15"  # a killed worker's message comes back soon
        migrate(env, work_dir)
        shell(env, SETUP)
        fleet = WorkerFleet(env, "celery", count=1, concurrency=2, log_dir=work_dir)
        stack.callback(fleet.stop_all)
        fleet.start_all()
        path = work_dir / "team.csv"
        path.write_bytes(rows_csv(rows, single_rows))
        total = rows + single_rows

        upload_id = shell(env, UPLOAD, BENCH_USER="uploader", BENCH_FILE=str(path))["upload"]
        started = time.monotonic()
        wait_for(
            "dry run",
            lambda: upload_status(db_url, upload_id)[0] == "checked",
            timeout,
        )
        figures["dry_run_seconds"] = round(time.monotonic() - started, 1)

        started = time.monotonic()
        figures["routes"] = shell(env, CONFIRM, BENCH_UPLOAD=str(upload_id))["routes"]
        if kill:
            wait_for(
                "placement under way",
                lambda: 0 < upload_status(db_url, upload_id)[2] < total,
                timeout,
                every=0.02,
            )
            fleet.kill(0)
            figures["killed_at_rows"] = upload_status(db_url, upload_id)[2]
            fleet.restart(0)
            figures["sweeps"] = []

        def all_at_tango() -> bool:
            ((placed,),) = query(
                db_url,
                "SELECT count(*) FROM uploads_uploadrow r JOIN orders_order o ON o.id = r.order_id"
                " WHERE r.upload_id = %s AND o.state = 'placed'",
                upload_id,
            )
            return placed == total

        def all_at_tango_or_sweep() -> bool:
            if all_at_tango():
                return True
            if kill and time.monotonic() - last_sweep[0] > 20:
                figures["sweeps"].append(shell(env, SWEEP))
                last_sweep[0] = time.monotonic()
            return False

        last_sweep = [time.monotonic()]
        try:
            wait_for("every row placed at Tango", all_at_tango_or_sweep, timeout, every=1.0)
        except TimeoutError as exc:
            states = query(
                db_url, "SELECT state, is_bulk, count(*) FROM orders_order GROUP BY 1, 2"
            )
            raise TimeoutError(
                f"{exc}; upload {upload_status(db_url, upload_id)}, orders {states}; "
                f"logs in {work_dir}"
            ) from None
        figures["placement_seconds"] = round(time.monotonic() - started, 1)
        figures["orders"] = query(
            db_url,
            "SELECT count(DISTINCT order_id) FROM uploads_uploadrow WHERE upload_id = %s",
            upload_id,
        )[0][0]

        again = shell(env, UPLOAD, BENCH_USER="again", BENCH_FILE=str(path))["upload"]
        wait_for("second dry run", lambda: upload_status(db_url, again)[0] == "checked", timeout)
        ((valid, already),) = query(
            db_url,
            "SELECT count(*) FILTER (WHERE valid),"
            " count(*) FILTER (WHERE problems::text LIKE '%%already_placed%%')"
            " FROM uploads_uploadrow WHERE upload_id = %s",
            again,
        )
        figures["second_upload"] = {"valid": valid, "already_placed": already}
        fleet.stop_all()
        figures["tango"] = tango_counts(sim.data_path)
        stats = sim.stats()
        figures["posts_orders"] = stats["posts_orders"]
        figures["posts_async_orders"] = stats["posts_async_orders"]
        figures["responses_429"] = stats["responses_429"]
        figures["local"] = {
            "orders": query(db_url, "SELECT count(*) FROM orders_order")[0][0],
            "line_items": query(db_url, "SELECT count(*) FROM orders_lineitem")[0][0],
        }
    return figures


def tango_counts(sim_db: Path) -> dict[str, int]:
    """Line items at the simulator, and how many rows' ids it holds more than once."""
    with contextlib.closing(sqlite3.connect(sim_db)) as conn:
        lines = conn.execute("SELECT count(*) FROM line_items").fetchone()[0]
        twice_lines = conn.execute(
            "SELECT count(*) FROM (SELECT external_line_ref FROM line_items"
            " WHERE external_line_ref IS NOT NULL GROUP BY 1 HAVING count(*) > 1)"
        ).fetchone()[0]
        twice_orders = conn.execute(
            "SELECT count(*) FROM (SELECT external_ref FROM orders"
            " WHERE external_ref IS NOT NULL GROUP BY account, external_ref HAVING count(*) > 1)"
        ).fetchone()[0]
    return {"line_items": lines, "duplicate_line_refs": twice_lines, "duplicate_refs": twice_orders}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows on the async account")
    parser.add_argument("--single-rows", type=int, default=0, help="rows placed one by one")
    parser.add_argument("--kill", action="store_true", help="SIGKILL the worker mid-placement")
    parser.add_argument("--rate", type=float, default=1.0, help="order POSTs per second")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--work-dir", type=Path, help="keep logs here (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.work_dir:
        args.work_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as dirs:
        tmp = args.work_dir or dirs.enter_context(
            tempfile.TemporaryDirectory(prefix="upload-place-")
        )
        figures = run(
            rows=args.rows,
            single_rows=args.single_rows,
            kill=args.kill,
            rate=args.rate,
            work_dir=Path(tmp),
            timeout=args.timeout,
        )
    total = args.rows + args.single_rows
    print(f"{total:,} rows ({args.rows:,} on an async account, {args.single_rows:,} single)")
    print(f"dry run (worker): {figures['dry_run_seconds']} s")
    print(
        f"confirm -> every row placed at Tango: {figures['placement_seconds']} s "
        f"({total / max(figures['placement_seconds'], 0.1):.1f} rows/s), "
        f"{figures['orders']} orders; POST /orders {figures['posts_orders']}, "
        f"POST /asyncOrders {figures['posts_async_orders']}, at {args.rate} POST/s"
    )
    if args.kill:
        print(f"worker SIGKILLed with {figures['killed_at_rows']} rows placed")
    print(f"simulator: {figures['tango']}; local: {figures['local']}")
    print(f"same file again: {figures['second_upload']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    ok = (
        figures["tango"]["line_items"] == total
        and not figures["tango"]["duplicate_line_refs"]
        and not figures["tango"]["duplicate_refs"]
        and figures["second_upload"] == {"valid": 0, "already_placed": total}
    )
    print("exactly once: yes" if ok else "exactly once: NO")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
