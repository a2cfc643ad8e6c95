"""Chaos benchmark: is every order placed exactly once when Tango and our workers misbehave?

    python bench/chaos_place.py [--orders 1000] [--workers 2] [--rate 1.0] [--faults default]
                                [--kills 3] [--seed 1] [--timeout SECONDS] [--json]

What it does (everything real, nothing mocked):

1. starts the Tango simulator with faults on POST /orders (500s, answers lost after the order
   was committed, timeouts, injected 429s, 503s), a throwaway PostgreSQL database (migrated)
   and a dedicated Redis db as the broker;
2. starts `--workers` Celery workers (`--pool prefork --concurrency 2`) as subprocesses;
3. a driver process creates N orders through `create_order` and runs the sweeper every few
   seconds, the way beat would;
4. meanwhile `--kills` times a random worker's whole process group is SIGKILLed (a host
   crash: no warm shutdown, unacknowledged messages stay unacknowledged) and restarted;
5. once every order is placed/held/failed (or the timeout passed), faults are turned off, the
   simulator's clock is moved 2 hours on (PENDING orders complete), the status sync runs,
   and local orders are compared with the simulator's.

It prints: orders created at Tango, duplicates (externalRefIDs with more than one Tango
order), lost orders (local orders with no Tango order), placement throughput against the
configured rate, 429s (injected vs organic, i.e. caused by our own pacing) and how long the
sync took to converge. `tests/orders/test_chaos.py` calls `run()` with a small, fast setup.

Environment: CHAOS_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres) is used
to create and drop the database `chaos_<pid>_<n>`; CHAOS_REDIS_URL (default
redis://127.0.0.1:6379/14) must be a Redis db used by nothing else: it is flushed.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tango_sim.testing import SimulatorHandle, running_simulator  # noqa: E402

PG_ADMIN_URL = os.environ.get("CHAOS_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CHAOS_REDIS_URL", "redis://127.0.0.1:6379/14")
ACCOUNT = "acme-usd-01"  # seed account with a 250,000 USD balance
EVENT_PREFIX = "CHAOS "

# Fault rates on POST /orders. Injected 500/503/429 happen before the simulator's own rate
# check. "timeout" holds the request for `timeout_seconds` (longer than our read timeout) and
# then processes it: a late arrival nobody waits for any more, which may create the order
# after our retry already did (the idempotency race). It also reaches the simulator's rate
# check at a moment our pacing cannot know, so it can cause a 429 that is not our pacing's
# fault; the CLI default (3600 s) keeps late arrivals out of the run so the organic-429 figure
# measures our pacing alone. The bounded test uses a few seconds to exercise the race.
FAULT_PRESETS: dict[str, dict[str, float]] = {
    "none": {},
    "light": {"lost_response": 0.02, "503": 0.01, "429": 0.01, "timeout": 0.005},
    "default": {"lost_response": 0.03, "500": 0.01, "503": 0.02, "429": 0.02, "timeout": 0.01},
    "heavy": {"lost_response": 0.08, "500": 0.03, "503": 0.05, "429": 0.05, "timeout": 0.03},
}


class ChaosEnvironmentError(RuntimeError):
    """PostgreSQL, Redis or the simulator is not available: the run cannot start."""


def emit(event: dict[str, Any]) -> None:
    print(EVENT_PREFIX + json.dumps(event, default=str), flush=True)


# --- the orchestrator (no Django in this process) -------------------------------------------


def run(
    *,
    orders: int = 1000,
    workers: int = 2,
    concurrency: int = 2,
    rate: float = 1.0,
    sim_tps: float | None = None,
    faults: str | dict[str, float] = "default",
    timeout_seconds: float = 3600.0,
    kills: int = 3,
    seed: int = 1,
    timeout: float | None = None,
    redis_url: str = REDIS_URL,
    database_url: str | None = None,
    read_timeout: float = 4.0,
    create_latency_ms: int = 0,
    placing_stale_after: float = 30.0,
    queued_stale_after: float = 30.0,
    sweep_every: float = 5.0,
    work_dir: Path | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the whole experiment and return the report (see module docstring)."""
    rng = random.Random(seed)
    rates = FAULT_PRESETS[faults] if isinstance(faults, str) else dict(faults)
    sim_tps = rate if sim_tps is None else sim_tps
    timeout = timeout or max(120.0, orders / rate * 1.6 + 120)
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="chaos_place_"))
    work_dir.mkdir(parents=True, exist_ok=True)
    fault_cfg = {
        "rates": rates,
        "seed": seed,
        "timeout_seconds": timeout_seconds,
        "paths": ["/raas/v2/orders"],
        "methods": ["POST"],
        "lost_response_mode": "500",
    }
    _flush_redis(redis_url)
    with (
        _throwaway_database(database_url) as db_url,
        running_simulator(
            work_dir / "sim",
            TANGO_SIM_ORDER_TPS=str(sim_tps),
            TANGO_SIM_FAULTS=fault_cfg,
            TANGO_SIM_CREATE_LATENCY_MS=str(create_latency_ms),
        ) as sim,
    ):
        env = _child_env(sim, db_url, redis_url, rate, read_timeout, work_dir)
        log(f"chaos: sim {sim.base_url}, db {db_url.rsplit('/', 1)[-1]}, broker {redis_url}")
        _migrate(env, work_dir)
        # The default queue: a worker's own retries are published there, whatever it consumes.
        fleet = WorkerFleet(env, "celery", count=workers, concurrency=concurrency, log_dir=work_dir)
        try:
            fleet.start_all()
            driver_cfg = {
                "orders": orders,
                "seed": seed,
                "account": ACCOUNT,
                "timeout": timeout,
                "placing_stale_after": placing_stale_after,
                "queued_stale_after": queued_stale_after,
                "sweep_every": sweep_every,
                "sim_admin_url": sim.admin_url,
            }
            events = _drive(env, driver_cfg, fleet, kills, rng, work_dir, log)
        finally:
            fleet.stop_all()
        stats = sim.stats()
    report = _report(events, stats, rate=rate, kills_done=fleet.kills, fault_cfg=fault_cfg)
    report.update(_pacing_from_logs(work_dir, rate))
    report["work_dir"] = str(work_dir)
    _flush_redis(redis_url)
    return report


def _drive(
    env: dict[str, str],
    cfg: dict[str, Any],
    fleet: WorkerFleet,
    kills: int,
    rng: random.Random,
    work_dir: Path,
    log: Callable[[str], None],
) -> dict[str, dict[str, Any]]:
    """Run the driver process; kill workers at random points of the placement progress."""
    kill_at = sorted(rng.uniform(0.1, 0.8) for _ in range(kills))
    events: dict[str, dict[str, Any]] = {}
    lines: list[dict[str, Any]] = []
    lock = threading.Lock()
    with open(work_dir / "driver.log", "wb") as driver_log:
        driver = subprocess.Popen(
            [sys.executable, "-m", "bench.chaos_place", "--driver"],
            cwd=REPO_ROOT,
            env={**env, "CHAOS_DRIVER": json.dumps(cfg)},
            stdout=subprocess.PIPE,
            stderr=driver_log,
            text=True,
        )

        def read() -> None:
            assert driver.stdout is not None
            for line in driver.stdout:
                if line.startswith(EVENT_PREFIX):
                    with lock:
                        lines.append(json.loads(line[len(EVENT_PREFIX) :]))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        settled = False
        next_progress_log = 0.0
        while driver.poll() is None or reader.is_alive():
            with lock:
                new, lines[:] = list(lines), []
            for event in new:
                events[event["phase"]] = event
                if event["phase"] == "progress":
                    if event["elapsed"] >= next_progress_log:
                        next_progress_log = event["elapsed"] + 10
                        log(f"chaos: {event['states']} ({event['elapsed']:.0f} s)")
                elif event["phase"] != "report":
                    log(f"chaos: {event['phase']}: {json.dumps(event, default=str)[:300]}")
                settled = settled or event["phase"] in ("settled", "report")
            progress = events.get("progress")
            if kill_at and progress and not settled:
                done = progress["final"] / max(1, cfg["orders"])
                if done >= kill_at[0]:
                    kill_at.pop(0)
                    victim = rng.randrange(len(fleet.workers))
                    log(f"chaos: SIGKILL worker {victim} at {done:.0%} placed")
                    fleet.kill(victim)
                    time.sleep(rng.uniform(0.2, 2.0))
                    fleet.restart(victim)
            time.sleep(0.1)
        reader.join(timeout=5)
    if driver.returncode != 0 or "report" not in events:
        raise RuntimeError(
            f"chaos driver failed ({driver.returncode}); see {work_dir / 'driver.log'}"
        )
    return events


class WorkerFleet:
    """Celery workers as subprocesses, each in its own process group (killable as a whole)."""

    def __init__(
        self, env: dict[str, str], queue: str, *, count: int, concurrency: int, log_dir: Path
    ) -> None:
        self.env, self.queue, self.concurrency, self.log_dir = env, queue, concurrency, log_dir
        self.workers: list[subprocess.Popen[bytes] | None] = [None] * count
        self.generation = [0] * count
        self.kills = 0

    def start(self, index: int) -> None:
        self.generation[index] += 1
        name = f"chaos{index}g{self.generation[index]}-{os.getpid()}@%h"
        log_path = self.log_dir / f"worker{index}.log"
        with open(log_path, "ab") as log:
            start = log.tell()
            proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "rewards_admin", "worker",
                 "--pool", "prefork", "--concurrency", str(self.concurrency), "-Q", self.queue,
                 "-n", name, "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--loglevel", "INFO"],
                cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.workers[index] = proc
        _wait_for_log(log_path, start, b" ready.", proc, timeout=60)

    def start_all(self) -> None:
        for index in range(len(self.workers)):
            self.start(index)

    def kill(self, index: int) -> None:
        proc = self.workers[index]
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            self.kills += 1

    def restart(self, index: int) -> None:
        self.start(index)

    def stop_all(self) -> None:
        for proc in self.workers:
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.workers:
            if proc is None:
                continue
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _wait_for_log(
    path: Path, offset: int, marker: bytes, proc: subprocess.Popen[bytes], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path, "rb") as handle:
            handle.seek(offset)
            if marker in handle.read():
                return
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited with {proc.returncode}; see {path}")
        time.sleep(0.1)
    raise RuntimeError(f"worker not ready after {timeout:.0f} s; see {path}")


def _child_env(
    sim: SimulatorHandle,
    db_url: str,
    redis_url: str,
    rate: float,
    read_timeout: float,
    work_dir: Path,
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="rewards_admin.settings",
        DJANGO_SECRET_KEY="chaos-bench-not-secret",
        DATABASE_URL=db_url,
        DB_CONN_MAX_AGE="0",
        CELERY_BROKER_URL=redis_url,
        REDIS_URL=redis_url,
        TANGO_BASE_URL=sim.base_url,
        TANGO_PLATFORM_NAME=sim.platform_name,
        TANGO_PLATFORM_KEY=sim.platform_key,
        TANGO_ORDER_RATE=str(rate),
        TANGO_READ_TIMEOUT=str(read_timeout),
        TANGO_CONNECT_TIMEOUT="2",
        TANGO_EXTERNAL_REF_PREFIX=f"chaos{os.getpid()}",
        RO_VAR_DIR=str(work_dir / "var"),
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


def _migrate(env: dict[str, str], work_dir: Path) -> None:
    with open(work_dir / "migrate.log", "wb") as log:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=300,
        )


@contextlib.contextmanager
def _throwaway_database(database_url: str | None) -> Iterator[str]:
    """Yield a DATABASE_URL: the given one, or a fresh PostgreSQL database dropped after."""
    if database_url:
        yield database_url
        return
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:
        raise ChaosEnvironmentError(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}") from exc
    name = f"chaos_{os.getpid()}_{random.randrange(10**6)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _flush_redis(redis_url: str) -> None:
    try:
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
        client.flushdb()  # a dedicated db (module docstring); stale messages would skew a run
        client.close()
    except Exception as exc:
        raise ChaosEnvironmentError(f"Redis not reachable at {redis_url}: {exc}") from exc


_POST_LINE = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}): .*tango POST /orders -> (\S+) in (\d+) ms "
    r"\(X-REQUEST-ID (\S+)\)"
)
_ORGANIC_429 = re.compile(r"TPS threshold reached', request_id='([^']+)'")


def _pacing_from_logs(work_dir: Path, rate: float) -> dict[str, Any]:
    """Our own send spacing, from the workers' one-line-per-call logs (ms resolution).

    For every organic 429 (the simulator's own rate check, not an injected fault) it tells
    whether we sent it less than 1/rate after our previous POST (our pacing's fault) or not
    (the request reached the simulator's check later than we sent it: arrival jitter).
    """
    from datetime import datetime

    sends: list[tuple[float, str]] = []
    organic: set[str] = set()
    for log_path in sorted(work_dir.glob("worker*.log")):
        for line in log_path.read_text(errors="replace").splitlines():
            if match := _POST_LINE.match(line):
                stamp, millis, _status, duration, request_id = match.groups()
                at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").timestamp() + int(millis) / 1000
                sends.append((at - int(duration) / 1000, request_id))
            elif match := _ORGANIC_429.search(line):
                organic.add(match.group(1))
    sends.sort()
    gaps = {rid: b - a for (a, _), (b, rid) in itertools.pairwise(sends)}
    spacing = sorted(gaps.values())
    limit = 1 / rate - 0.002 if rate > 0 else 0  # log timestamps are only to the millisecond
    ours = [rid for rid in organic if gaps.get(rid, 1e9) < limit]
    return {
        "min_send_gap": spacing[0] if spacing else None,
        "p1_send_gap": spacing[len(spacing) // 100] if spacing else None,
        "sends_closer_than_1_over_rate": sum(1 for gap in spacing if gap < limit),
        "organic_429_our_spacing": len(ours),
        "organic_429_arrival_jitter": len(organic) - len(ours),
    }


def _report(
    events: dict[str, dict[str, Any]],
    stats: dict[str, Any],
    *,
    rate: float,
    kills_done: int,
    fault_cfg: dict[str, Any],
) -> dict[str, Any]:
    final = events["report"]
    counters = stats.get("counters", {})
    injected_429 = counters.get("fault_429", 0)
    all_429 = stats.get("responses_429", 0)
    report = dict(final)
    report.pop("phase", None)
    span = final.get("placement_span_seconds")
    report.update(
        configured_rate=rate,
        throughput_ratio=(final["throughput"] / rate) if rate and final["throughput"] else None,
        # Every POST uses a paced slot, including the ones a fault then wastes.
        post_rate=(stats.get("posts_orders", 0) / span) if span else None,
        sim_posts=stats.get("posts_orders"),
        sim_orders_total=stats.get("orders_total"),
        sim_duplicate_external_refs=len(stats.get("duplicate_external_refs", [])),
        responses_429=all_429,
        injected_429=injected_429,
        organic_429=all_429 - injected_429,
        faults_injected={
            k.removeprefix("fault_"): v for k, v in counters.items() if k.startswith("fault_")
        },
        fault_rates=fault_cfg["rates"],
        kills=kills_done,
    )
    return report


def _gaps(report: dict[str, Any]) -> str:
    low, p1 = report.get("min_send_gap"), report.get("p1_send_gap")
    return f"{low:.3f} s / {p1:.3f} s" if low is not None and p1 is not None else "-"


def format_report(report: dict[str, Any]) -> str:
    ratio = report.get("throughput_ratio")
    rows = [
        ("orders (local)", report["orders"]),
        ("created at Tango", report["created_at_tango"]),
        ("duplicates", report["duplicates"]),
        ("lost", report["lost"]),
        ("orphans at Tango", report["orphans"]),
        ("status mismatches after sync", report["status_mismatches"]),
        ("local placement states", report["local_states"]),
        ("placement throughput", f"{report['throughput'] or 0:.3f} orders/s"),
        ("configured rate", f"{report['configured_rate']:g} POST/s"),
        ("throughput / rate", f"{ratio:.3f}" if ratio else "-"),
        ("POST /orders at the simulator", report["sim_posts"]),
        ("POST /orders rate", f"{report['post_rate'] or 0:.3f} POST/s"),
        ("faults injected", report["faults_injected"]),
        ("429s seen", report["responses_429"]),
        ("  injected", report["injected_429"]),
        ("  organic (the simulator's own check)", report["organic_429"]),
        ("    sent < 1/rate after our previous", report.get("organic_429_our_spacing")),
        ("    sent on pace, arrived late", report.get("organic_429_arrival_jitter")),
        ("our send gap: min / 1st percentile", _gaps(report)),
        ("sends closer than 1/rate", report.get("sends_closer_than_1_over_rate")),
        ("workers SIGKILLed", report["kills"]),
        ("sweeper re-drives", report["sweeps"]),
        ("settle time", f"{report['settle_seconds']:.1f} s"),
        ("sync", report["sync_mode"]),
        ("sync convergence", f"{report['sync_convergence_seconds']:.2f} s"),
        ("timed out", report["timed_out"]),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


# --- the driver (a Django process pointed at the throwaway database) ------------------------

# Amount cents pick the simulator's scenario (tango_sim/scenarios.py): .00 COMPLETE at once,
# .11 PENDING -> COMPLETE after 1 simulated hour, .12 QUEUED -> COMPLETE after 10 minutes.
AMOUNT_MIX = (("5.00", 0.85), ("5.11", 0.10), ("5.12", 0.05))
SIM_ADVANCE_SECONDS = 2 * 3600


def drive(cfg: dict[str, Any]) -> None:
    """Create the orders, sweep until they settle, then sync and compare with the simulator."""
    import django

    django.setup()
    from core.actor import Actor, ActorPath
    from orders.actions.entry import create_order
    from orders.models import Order

    rng = random.Random(cfg["seed"])
    account = _local_reference_data(cfg["account"])
    started = time.monotonic()
    for _ in range(cfg["orders"]):
        amount = rng.choices([a for a, _ in AMOUNT_MIX], [w for _, w in AMOUNT_MIX])[0]
        create_order(
            account=account,
            utid="U100001",
            amount=amount,
            delivery_method="EMAIL",
            recipient_first_name="Chaos",
            recipient_last_name="Monkey",
            recipient_email="chaos@example.com",
            actor=Actor.system(ActorPath.COMMAND),
        )
    emit({"phase": "created", "orders": cfg["orders"], "seconds": time.monotonic() - started})
    settle = _wait_until_settled(cfg, started)
    emit({"phase": "settled", **settle})

    placed_at = sorted(
        Order.objects.filter(placed_at__isnull=False).values_list("placed_at", flat=True)
    )
    throughput = span = None
    if len(placed_at) > 1:
        span = (placed_at[-1] - placed_at[0]).total_seconds()
        throughput = (len(placed_at) - 1) / span if span > 0 else None
    _sim_admin(cfg["sim_admin_url"], "/config", {"faults": {}})
    _sim_admin(cfg["sim_admin_url"], "/clock/advance", {"seconds": SIM_ADVANCE_SECONDS})
    sync_mode, convergence = _sync_until_converged(cfg)
    emit(
        {
            "phase": "report",
            **settle,
            **_compare(cfg["account"]),
            "throughput": throughput,
            "placement_span_seconds": span,
            "sync_mode": sync_mode,
            "sync_convergence_seconds": convergence,
        }
    )


def _local_reference_data(identifier: str) -> Any:
    from orders.models import Account, Brand, CatalogItem, Customer

    customer, _ = Customer.objects.get_or_create(
        identifier="acme-main", defaults={"display_name": "Acme Corporation", "status": "ACTIVE"}
    )
    account, _ = Account.objects.get_or_create(
        identifier=identifier,
        defaults={"customer": customer, "display_name": "Acme USD main", "currency": "USD"},
    )
    brand, _ = Brand.objects.get_or_create(brand_key="B000001", defaults={"name": "Reward Link"})
    CatalogItem.objects.get_or_create(
        utid="U100001",
        defaults={
            "brand": brand,
            "reward_name": "Reward Link",
            "currency": "USD",
            "value_type": "VARIABLE_VALUE",
            "min_value": 1,
            "max_value": 2000,
            "reward_type": "reward link",
            "delivery_methods": ["EMAIL", "PHONE", "EMBEDDED"],
            "status": "active",
        },
    )
    return account


def _wait_until_settled(cfg: dict[str, Any], started: float) -> dict[str, Any]:
    from datetime import timedelta

    from django.db.models import Count

    from orders.actions.sweeper import sweep_stuck_placements
    from orders.models import Order

    final_states = {"placed", "held", "placement_failed"}
    last_sweep = 0.0
    redrives = 0
    timed_out = False
    while True:
        now = time.monotonic()
        if now - last_sweep >= cfg["sweep_every"]:
            last_sweep = now
            result = sweep_stuck_placements(
                placing_stale_after=timedelta(seconds=cfg["placing_stale_after"]),
                queued_stale_after=timedelta(seconds=cfg["queued_stale_after"]),
            )
            redrives += result.requeued_placing + result.reenqueued_queued
        states = dict(Order.objects.values_list("state").annotate(n=Count("id")).order_by())
        final = sum(n for state, n in states.items() if state in final_states)
        emit({"phase": "progress", "states": states, "final": final, "elapsed": now - started})
        if final >= cfg["orders"]:
            break
        if now - started > cfg["timeout"]:
            timed_out = True
            break
        time.sleep(0.5)
    return {
        "settle_seconds": time.monotonic() - started,
        "sweeps": redrives,
        "timed_out": timed_out,
    }


def _sync_until_converged(cfg: dict[str, Any]) -> tuple[str, float]:
    """Run the order-status sync until local statuses equal the simulator's (max 2 min)."""
    from datetime import timedelta

    from django.utils import timezone

    try:
        from orders.sync.orders import sync_orders_window
    except ImportError:
        return "none (orders.sync.orders missing)", 0.0
    started = time.monotonic()
    while True:
        sync_orders_window(
            start=timezone.now() - timedelta(days=1),
            end=timezone.now() + timedelta(seconds=SIM_ADVANCE_SECONDS + 3600),
        )
        if _compare(cfg["account"])["status_mismatches"] == 0:
            return "sync_orders_window", time.monotonic() - started
        if time.monotonic() - started > 120:
            return "sync_orders_window (did not converge)", time.monotonic() - started
        time.sleep(1)


def _compare(account: str) -> dict[str, Any]:
    """Local orders against every order the simulator holds for the account."""
    from collections import Counter, defaultdict

    from django.conf import settings

    from orders.models import Order
    from tango.client import get_client

    prefix = f"{settings.TANGO_EXTERNAL_REF_PREFIX}-"
    at_tango: dict[str, list[Any]] = defaultdict(list)
    for order in get_client().iter_orders(account_identifier=account):
        if (order.external_ref_id or "").startswith(prefix):
            at_tango[order.external_ref_id].append(order)
    local = list(
        Order.objects.values_list(
            "external_ref_id", "state", "reference_order_id", "tango_status", "amount"
        )
    )
    local_refs = {row[0] for row in local}
    lost, wrong_ref, mismatches, wrong_amount = [], [], [], []
    for ext_ref, state, reference, status, amount in local:
        remote = at_tango.get(ext_ref)
        if not remote:
            lost.append(ext_ref)
            continue
        # What Tango holds must be what we meant to send (catches "the wrong order was sent").
        sent = remote[0].denomination or remote[0].amount_charged
        if sent is None or sent.value != amount:
            wrong_amount.append(f"{ext_ref}: local {amount}, Tango {sent.value if sent else None}")
        if state != "placed" or reference != remote[0].reference_order_id:
            wrong_ref.append(ext_ref)
        elif status != remote[0].status:
            mismatches.append(f"{ext_ref}: local {status}, Tango {remote[0].status}")
    return {
        "orders": len(local),
        "created_at_tango": len(at_tango),
        "duplicates": sum(1 for orders in at_tango.values() if len(orders) > 1),
        "lost": len(lost),
        "not_placed_locally": len(wrong_ref),
        "orphans": len(set(at_tango) - local_refs),
        "status_mismatches": len(mismatches) + len(wrong_ref),
        "amount_mismatches": len(wrong_amount),
        "mismatch_examples": mismatches[:5] + wrong_ref[:5] + lost[:5] + wrong_amount[:5],
        "local_states": dict(Counter(row[1] for row in local)),
    }


def _sim_admin(admin_url: str, path: str, payload: dict[str, Any]) -> Any:
    import urllib.request

    request = urllib.request.Request(
        f"{admin_url}{path}",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--rate", type=float, default=1.0, help="TANGO_ORDER_RATE (POST/s)")
    parser.add_argument("--sim-tps", type=float, default=None, help="default: --rate")
    parser.add_argument("--faults", choices=sorted(FAULT_PRESETS), default="default")
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument(
        "--late-arrival-seconds",
        type=float,
        default=3600.0,
        help="how long an injected timeout holds the request before processing it",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=None, help="seconds to settle")
    parser.add_argument("--database-url", default=None, help="default: a throwaway database")
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.driver:
        drive(json.loads(os.environ["CHAOS_DRIVER"]))
        return 0
    report = run(
        orders=args.orders,
        workers=args.workers,
        concurrency=args.concurrency,
        rate=args.rate,
        sim_tps=args.sim_tps,
        faults=args.faults,
        kills=args.kills,
        timeout_seconds=args.late_arrival_seconds,
        seed=args.seed,
        timeout=args.timeout,
        database_url=args.database_url,
        redis_url=args.redis_url,
        log=lambda line: print(line, flush=True),
    )
    print(json.dumps(report, indent=2, default=str) if args.json else format_report(report))
    ok = report["duplicates"] == 0 and report["lost"] == 0 and not report["timed_out"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
