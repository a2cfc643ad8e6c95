"""The chaos run's machinery: a throwaway PostgreSQL database, a dedicated Redis db, and Celery
workers as subprocesses that can be SIGKILLed (tests/orders/test_worker_integration.py uses it
too).

Environment: CHAOS_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres) is used
to create and drop the database `chaos_<pid>_<n>`; CHAOS_REDIS_URL (default
redis://127.0.0.1:6379/14) must be a Redis db used by nothing else: it is flushed.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tango_sim.testing import SimulatorHandle

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("CHAOS_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CHAOS_REDIS_URL", "redis://127.0.0.1:6379/14")


class ChaosEnvironmentError(RuntimeError):
    """PostgreSQL, Redis or the simulator is not available: the run cannot start."""


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


def child_env(
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


def migrate(env: dict[str, str], work_dir: Path) -> None:
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
def throwaway_database(database_url: str | None) -> Iterator[str]:
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


def flush_redis(redis_url: str) -> None:
    try:
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
        client.flushdb()  # a dedicated db (module docstring); stale messages would skew a run
        client.close()
    except Exception as exc:
        raise ChaosEnvironmentError(f"Redis not reachable at {redis_url}: {exc}") from exc
