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
sync took to converge. `tests/bench/test_chaos.py` calls `run()` with a small, fast setup.
The code lives in bench/chaos/ (orchestrator, driver, environment, report).

Environment: CHAOS_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres) is used
to create and drop the database `chaos_<pid>_<n>`; CHAOS_REDIS_URL (default
redis://127.0.0.1:6379/14) must be a Redis db used by nothing else: it is flushed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.chaos.environment import REDIS_URL, ChaosEnvironmentError  # noqa: E402
from bench.chaos.orchestrator import FAULT_PRESETS, run  # noqa: E402
from bench.chaos.report import format_report  # noqa: E402

__all__ = ["ChaosEnvironmentError", "format_report", "main", "run"]


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
    args = parser.parse_args(argv)
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
