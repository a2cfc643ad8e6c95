"""Issue 11's load run (Deliver item 3): staff sessions with think time against gunicorn on
PostgreSQL, ramped up in steps, then held at --sessions for --duration seconds.

    python bench/load.py [--database-url URL] [--sessions 50] [--duration 120] \
        [--steps 4 --step-seconds 20] [--workers 3 --threads 2] [--json PATH]

Starts gunicorn (rewards_admin.wsgi) on a free local port against the bench database; every
session (a thread with its own requests.Session) logs in through the login form, then sends a
request every 1-3 s (uniform think time): the orders-list fragment (35 %), a filtered list
(30 %: PENDING, PARTIAL + FAILED, an account's last 30 days), an order page (25 %, orders with
a few lines) and the finance reports (10 %). First the ramp (--steps steps of
sessions/steps more sessions, --step-seconds each), then the hold. Prints errors, p50 / p95 per
step and per kind, and the request rate at which p95 first passes 500 ms. Every request has
a timeout, threads are joined with a deadline and gunicorn is stopped in `finally`, so the run
always ends. Figures depend on the machine's load (other work on a shared 2-core machine
shifts them a lot).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.generate import DEFAULT_URL, setup_django  # noqa: E402
from bench.runner.timing import cpu_gauge, percentile  # noqa: E402

USER = "bench-load"
THRESHOLD_MS = 500
TIMEOUT = (5, 30)  # connect, read seconds
HTMX = {"HX-Request": "true"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120, help="seconds at --sessions")
    parser.add_argument("--steps", type=int, default=4, help="ramp steps before the hold")
    parser.add_argument("--step-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker")
    parser.add_argument("--think", default="1,3", help="think time range in seconds, MIN,MAX")
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/10",  # used by nothing else: it is flushed
        help="the web processes' shared cache, as in production (CACHE_URL; emptied first;"
        " '' = each process's own memory)",
    )
    parser.add_argument("--json", type=Path)
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare() -> tuple[str, list[str]]:
    """The load user's password and the URLs the sessions pick from."""
    import secrets
    from urllib.parse import urlencode

    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from bench.runner.cases import reference_data
    from orders.models import LineItem

    password = secrets.token_urlsafe(16)
    user, _ = get_user_model().objects.update_or_create(
        username=USER, defaults={"is_staff": True, "is_superuser": True, "is_active": True}
    )
    user.set_password(password)
    user.save()
    ref = reference_data()
    details = list(
        LineItem.objects.values("order_id")
        .annotate(n=Count("id"))
        .filter(n__lte=5)
        .order_by("-order_id")
        .values_list("order_id", flat=True)[:200]
    )
    filters = ["/?status=PENDING", "/?status=PARTIAL&li_status=FAILED"]
    if ref["account"]:
        filters.append("/?" + urlencode({"account": ref["account"], "created_from": ref["since"]}))
    return password, {"list": ["/"], "filter": filters, "detail": details}


def start_gunicorn(args: argparse.Namespace, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_DEBUG": "false",
        "CACHE_URL": args.cache_url,
    }
    if args.cache_url:  # no report or count left over from an earlier run
        import redis

        redis.Redis.from_url(args.cache_url).flushdb()
    # --keep-alive above the think time: with gunicorn's 2 s default a session reusing its
    # connection after 2-3 s raced the server closing it (a ConnectionError in the client
    # where a browser retries; 7 of 2,733 requests in a 50-session run).
    command = [
        sys.executable, "-m", "gunicorn", "rewards_admin.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
        "--threads", str(args.threads), "--timeout", "60", "--graceful-timeout", "5",
        "--keep-alive", "10", "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, start_new_session=True)


def wait_ready(base: str, process: subprocess.Popen, seconds: float = 90) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(base + "/login/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /login/ in time")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def login(base: str, password: str):
    import re

    import requests

    session = requests.Session()
    page = session.get(base + "/login/", timeout=TIMEOUT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    data = {"username": USER, "password": password, "csrfmiddlewaretoken": token.group(1)}
    answer = session.post(
        base + "/login/", data=data, headers={"Referer": base + "/login/"}, timeout=TIMEOUT
    )
    if answer.status_code != 200 or "/login/" in answer.url:
        raise RuntimeError(f"login failed: HTTP {answer.status_code} at {answer.url}")
    return session


KINDS = (("list", 0.35), ("filter", 0.30), ("detail", 0.25), ("reports", 0.10))


def pick(rng: random.Random, urls: dict) -> tuple[str, str, dict]:
    kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    if kind == "detail" and urls["detail"]:
        return kind, f"/orders/{rng.choice(urls['detail'])}/", {}
    if kind == "reports":
        return kind, "/finance/reports/", {}
    if kind == "filter":
        return kind, rng.choice(urls["filter"]), HTMX
    return "list", "/", HTMX


def session_loop(n, base, password, urls, think, stop, records, lock, step_of) -> None:
    import requests

    rng = random.Random(n)
    try:
        session = login(base, password)
    except Exception as exc:  # a failed login is an error of the run
        with lock:
            records.append({"kind": "login", "ms": 0, "ok": False, "step": step_of(),
                            "error": str(exc)[:200], "t": time.monotonic()})  # fmt: skip
        return
    while not stop.wait(rng.uniform(*think)):
        kind, path, headers = pick(rng, urls)
        started = time.monotonic()
        error = None
        try:
            response = session.get(base + path, headers=headers, timeout=TIMEOUT)
            ok = response.status_code == 200
            if not ok:
                error = f"HTTP {response.status_code} {path}"
        except requests.RequestException as exc:
            ok, error = False, f"{type(exc).__name__} {path}"
        ms = (time.monotonic() - started) * 1000
        with lock:
            records.append({"kind": kind, "ms": ms, "ok": ok, "step": step_of(), "t": started,
                            "error": error})  # fmt: skip


def stats(records: list[dict], seconds: float) -> dict:
    times = [r["ms"] for r in records if r["ok"]]
    out = {
        "requests": len(records),
        "errors": sum(1 for r in records if not r["ok"]),
        "rate_per_s": round(len(records) / seconds, 2) if seconds else 0,
    }
    if times:
        out.update(p50_ms=round(percentile(times, 50), 1), p95_ms=round(percentile(times, 95), 1))
    return out


def plan(args: argparse.Namespace) -> list[tuple[int, float]]:
    """(sessions, seconds) per step: the ramp, then the hold at --sessions."""
    steps = [
        (max(1, args.sessions * k // (args.steps + 1)), args.step_seconds)
        for k in range(1, args.steps + 1)
    ]
    return [*steps, (args.sessions, args.duration)]


def run(args: argparse.Namespace, base: str, password: str, urls: dict) -> dict:
    think = tuple(float(x) for x in args.think.split(","))
    stop, lock = threading.Event(), threading.Lock()
    records: list[dict] = []
    current = {"step": 0}
    threads: list[threading.Thread] = []
    windows = []
    try:
        for index, (sessions, seconds) in enumerate(plan(args)):
            current["step"] = index
            while len(threads) < sessions:
                thread = threading.Thread(
                    target=session_loop,
                    args=(len(threads), base, password, urls, think, stop, records, lock,
                          lambda: current["step"]),
                    daemon=True,
                )  # fmt: skip
                thread.start()
                threads.append(thread)
            started = time.monotonic()
            time.sleep(seconds)
            windows.append((index, sessions, started, time.monotonic()))
            print(f"  step {index + 1}: {sessions} sessions, {seconds:.0f} s", file=sys.stderr)
    finally:
        stop.set()
        deadline = time.monotonic() + TIMEOUT[0] + TIMEOUT[1] + 5
        for thread in threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
    with lock:
        done = list(records)
    steps = []
    for index, sessions, start, end in windows:
        rows = [r for r in done if r["step"] == index and r["kind"] != "login"]
        steps.append({"step": index + 1, "sessions": sessions, **stats(rows, end - start)})
    hold = [r for r in done if r["step"] == len(windows) - 1 and r["kind"] != "login"]
    hold_seconds = windows[-1][3] - windows[-1][2] if windows else 0
    crossing = next((s for s in steps if s.get("p95_ms", 0) > THRESHOLD_MS), None)
    errors: dict[str, int] = {}
    for r in done:
        if not r["ok"]:
            errors[r.get("error") or "?"] = errors.get(r.get("error") or "?", 0) + 1
    return {
        "steps": steps,
        "hold": stats(hold, hold_seconds),
        "by_kind": {
            kind: stats([r for r in hold if r["kind"] == kind], hold_seconds) for kind, _ in KINDS
        },
        "errors": errors,
        "p95_passes_500ms_at": (
            {"rate_per_s": crossing["rate_per_s"], "sessions": crossing["sessions"]}
            if crossing
            else None
        ),
        "max_rate_per_s": max((s["rate_per_s"] for s in steps), default=0),
    }


def render(result: dict, args: argparse.Namespace) -> str:
    lines = [
        f"{'step':>4}  {'sessions':>8}  {'requests':>8}  {'req/s':>6}  {'errors':>6}  "
        f"{'p50 ms':>7}  {'p95 ms':>7}"
    ]
    for s in result["steps"]:
        lines.append(
            f"{s['step']:>4}  {s['sessions']:>8}  {s['requests']:>8}  {s['rate_per_s']:>6}  "
            f"{s['errors']:>6}  {s.get('p50_ms', '-'):>7}  {s.get('p95_ms', '-'):>7}"
        )
    hold = result["hold"]
    lines.append(
        f"\nHold: {args.sessions} sessions for {args.duration:.0f} s: {hold['requests']} requests "
        f"({hold['rate_per_s']}/s), {hold['errors']} errors, p50 {hold.get('p50_ms')} ms, "
        f"p95 {hold.get('p95_ms')} ms"
    )
    for kind, s in result["by_kind"].items():
        lines.append(
            f"  {kind:<8} {s['requests']:>5} requests  p50 {s.get('p50_ms', '-')} ms  "
            f"p95 {s.get('p95_ms', '-')} ms  errors {s['errors']}"
        )
    crossing = result["p95_passes_500ms_at"]
    lines.append(
        f"p95 passes {THRESHOLD_MS} ms at: {crossing['rate_per_s']} req/s "
        f"({crossing['sessions']} sessions)"
        if crossing
        else f"p95 stayed under {THRESHOLD_MS} ms up to {result['max_rate_per_s']} req/s"
    )
    for error, count in sorted(result["errors"].items(), key=lambda e: -e[1])[:10]:
        lines.append(f"  error x{count}: {error}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django(args.database_url)
    password, urls = prepare()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gauge = {"start": cpu_gauge()}  # before gunicorn: the machine's own speed
    process = start_gunicorn(args, port)
    try:
        wait_ready(base, process)
        started = datetime.now(UTC)
        result = run(args, base, password, urls)
    finally:
        stop_gunicorn(process)
    gauge["end"] = cpu_gauge()
    result.update(
        cpu_gauge_ms=gauge,
        cache_url=args.cache_url,
        started_at=started.isoformat(timespec="seconds"),
        sessions=args.sessions,
        duration=args.duration,
        gunicorn={"workers": args.workers, "threads": args.threads},
    )
    print(f"Load run, {started:%Y-%m-%d %H:%M} UTC, gunicorn {args.workers}x{args.threads}")
    print(f"CACHE_URL: {args.cache_url or '(each process its own memory)'}")
    print(f"CPU gauge (lower is faster): {gauge['start']} ms at the start,", end=" ")
    print(f"{gauge['end']} ms at the end\n")
    print(render(result, args))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
