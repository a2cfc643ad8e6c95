"""The chaos run's orchestrator (no Django in this process): the simulator with faults, the
workers, the driver, and SIGKILLs at random points of the placement progress."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tango_sim.testing import running_simulator

from .driver import ACCOUNT, EVENT_PREFIX
from .environment import (
    REDIS_URL,
    REPO_ROOT,
    WorkerFleet,
    child_env,
    flush_redis,
    migrate,
    throwaway_database,
)
from .report import build_report, pacing_from_logs

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
    flush_redis(redis_url)
    with (
        throwaway_database(database_url) as db_url,
        running_simulator(
            work_dir / "sim",
            TANGO_SIM_ORDER_TPS=str(sim_tps),
            TANGO_SIM_FAULTS=fault_cfg,
            TANGO_SIM_CREATE_LATENCY_MS=str(create_latency_ms),
        ) as sim,
    ):
        env = child_env(sim, db_url, redis_url, rate, read_timeout, work_dir)
        log(f"chaos: sim {sim.base_url}, db {db_url.rsplit('/', 1)[-1]}, broker {redis_url}")
        migrate(env, work_dir)
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
    report = build_report(events, stats, rate=rate, kills_done=fleet.kills, fault_cfg=fault_cfg)
    report.update(pacing_from_logs(work_dir, rate))
    report["work_dir"] = str(work_dir)
    flush_redis(redis_url)
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
            [sys.executable, "-m", "bench.chaos.driver"],
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
