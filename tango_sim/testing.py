"""Run the Tango simulator as a subprocess from another test suite.

Usage::

    from tango_sim.testing import running_simulator

    with running_simulator(tmp_path, TANGO_SIM_ORDER_TPS="0") as sim:
        requests.post(f"{sim.base_url}/orders", auth=(sim.platform_name, sim.platform_key), ...)
        sim.advance(3600)
        sim.transition("RA260101-1001-23", "COMPLETE")

As a session fixture::

    @pytest.fixture(scope="session")
    def tango_sim(tmp_path_factory):
        yield from simulator_session(tmp_path_factory, TANGO_SIM_ORDER_TPS="0")

Only the standard library is used, so this module can be imported anywhere.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PLATFORM_NAME = "rewardsops-demo"
DEFAULT_PLATFORM_KEY = "demo-platform-key"
STARTUP_TIMEOUT_SECONDS = 10.0


class SimulatorError(RuntimeError):
    """The simulator did not start, or an admin call failed."""


@dataclass
class SimulatorHandle:
    """A running simulator: URLs, credentials and the private admin API as methods."""

    port: int
    platform_name: str
    platform_key: str
    data_path: Path
    log_path: Path
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Tango contract base URL, e.g. ``http://127.0.0.1:PORT/raas/v2``."""
        return f"{self.root_url}/raas/v2"

    @property
    def admin_url(self) -> str:
        """Private admin API base URL, e.g. ``http://127.0.0.1:PORT/__sim``."""
        return f"{self.root_url}/__sim"

    @property
    def auth(self) -> tuple[str, str]:
        """(platform name, platform key) for HTTP Basic auth (``requests`` ``auth=``)."""
        return (self.platform_name, self.platform_key)

    # -- admin API -------------------------------------------------------------------------

    def admin(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """Call ``/__sim{path}`` and return the decoded JSON body (raises on non-2xx)."""
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(
            f"{self.admin_url}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise SimulatorError(f"{method} {path} -> {exc.code}: {detail}") from exc
        return json.loads(body) if body else None

    def health(self) -> dict[str, Any]:
        return self.admin("GET", "/health")

    def reset(self) -> None:
        """Wipe all state, reseed, restore the startup config and the clock offset."""
        self.admin("POST", "/reset", {})

    def clock(self) -> dict[str, Any]:
        return self.admin("GET", "/clock")

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the simulated clock forward and apply every transition that became due."""
        return self.admin("POST", "/clock/advance", {"seconds": seconds})

    def fund(self, account: str, amount: float) -> dict[str, Any]:
        """Add funds to an account (also releases its ON_HOLD orders)."""
        return self.admin("POST", f"/accounts/{account}/fund", {"amount": amount})

    def configure(self, **cfg: Any) -> dict[str, Any]:
        """Change runtime config, e.g. ``configure(order_tps=0, create_latency_ms=300)``."""
        return self.admin("POST", "/config", cfg)

    def config(self) -> dict[str, Any]:
        return self.admin("GET", "/config")

    def transition(
        self, ref: str, order_status: str, line_item_status: str | None = None
    ) -> dict[str, Any]:
        """Force an order (by referenceOrderID) into any status: the 11 documented ones with
        their side effects, or any other string (e.g. ``SCHEDULED DELIVERY``) stored as is."""
        payload: dict[str, Any] = {"orderStatus": order_status}
        if line_item_status is not None:
            payload["lineItemStatus"] = line_item_status
        return self.admin("POST", f"/orders/{ref}/transition", payload)

    def stats(self) -> dict[str, Any]:
        return self.admin("GET", "/stats")

    # -- webhooks, drift, volume -----------------------------------------------------------

    def withhold(
        self, enabled: bool, webhook_id: str | None = None, *, deliver_withheld: bool = False
    ) -> dict[str, Any]:
        """Start/stop withholding webhook deliveries (events keep revisions, are stored)."""
        payload: dict[str, Any] = {"enabled": enabled, "deliverWithheld": deliver_withheld}
        if webhook_id is not None:
            payload["webhookId"] = webhook_id
        return self.admin("POST", "/webhooks/withhold", payload)

    def drift_order(self, ref: str, status: str) -> dict[str, Any]:
        """Silently change an order's status (no webhook, nothing else changes)."""
        return self.admin("POST", f"/drift/orders/{ref}", {"status": status})

    def drift_line(self, ref: str, **changes: Any) -> dict[str, Any]:
        """Silently change a line item: status, rewardStatus, amountCharged={value, fee,
        total}, recipient={firstName, lastName, email, mobileNumber}."""
        return self.admin("POST", f"/drift/lineItems/{ref}", changes)

    def drift_delete(self, ref: str) -> dict[str, Any]:
        """Tango forgets an order (and its line items)."""
        return self.admin("DELETE", f"/drift/orders/{ref}")

    def drift_create(self, **order: Any) -> dict[str, Any]:
        """An order Tango has that the client never placed (POST /orders body, plus
        optional createdAt and debit)."""
        return self.admin("POST", "/drift/orders", order)

    def drift_balance(
        self, account: str, *, delta: float | None = None, balance: float | None = None
    ) -> dict[str, Any]:
        """Change a balance without any Transaction event."""
        payload = {"delta": delta} if delta is not None else {"balance": balance}
        return self.admin("POST", f"/drift/accounts/{account}/balance", payload)

    def bulk_orders(self, count: int, **options: Any) -> dict[str, Any]:
        """Create ``count`` orders at once (see ``POST /__sim/bulk/orders`` in the README)."""
        return self.admin("POST", "/bulk/orders", {"count": count, **options})


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _wait_healthy(handle: SimulatorHandle, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        proc = handle.process
        if proc is not None and proc.poll() is not None:
            raise SimulatorError(
                f"simulator exited with {proc.returncode}; log:\n{_tail(handle.log_path)}"
            )
        try:
            if handle.health().get("status") == "ok":
                return
        except (OSError, SimulatorError, ValueError) as exc:
            last_error = exc
        time.sleep(0.05)
    raise SimulatorError(
        f"simulator not healthy after {timeout}s ({last_error}); log:\n{_tail(handle.log_path)}"
    )


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextmanager
def running_simulator(data_dir: Path, **env: Any) -> Iterator[SimulatorHandle]:
    """Start ``python -m tango_sim`` on a free loopback port; stop it on exit.

    ``data_dir`` holds the SQLite file (``tango_sim.sqlite3``) and the server log
    (``tango_sim.log``); reuse the same directory to test persistence across restarts.
    ``env`` are environment overrides, e.g. ``TANGO_SIM_ORDER_TPS="0"``; values are
    converted with ``str()`` (dicts/lists for ``TANGO_SIM_FAULTS`` are JSON-encoded).
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    overrides = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in env.items()
        if value is not None
    }
    child_env = dict(os.environ)
    child_env.update(overrides)
    child_env.setdefault("TANGO_SIM_DATA", str(data_dir / "tango_sim.sqlite3"))
    child_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), child_env.get("PYTHONPATH", "")) if p
    )
    child_env["PYTHONUNBUFFERED"] = "1"
    port = free_port()
    log_path = data_dir / "tango_sim.log"
    handle = SimulatorHandle(
        port=port,
        platform_name=child_env.get("TANGO_SIM_PLATFORM_NAME", DEFAULT_PLATFORM_NAME),
        platform_key=child_env.get("TANGO_SIM_PLATFORM_KEY", DEFAULT_PLATFORM_KEY),
        data_path=Path(child_env["TANGO_SIM_DATA"]),
        log_path=log_path,
    )
    with open(log_path, "ab") as log:
        handle.process = subprocess.Popen(
            [sys.executable, "-m", "tango_sim", "--port", str(port), "--host", "127.0.0.1"],
            cwd=str(REPO_ROOT),
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(handle, STARTUP_TIMEOUT_SECONDS)
        yield handle
    finally:
        _stop(handle.process)


def simulator_session(tmp_path_factory: Any, **env: Any) -> Iterator[SimulatorHandle]:
    """Generator for a pytest fixture: ``yield from simulator_session(tmp_path_factory)``."""
    data_dir = Path(tmp_path_factory.mktemp("tango_sim"))
    with running_simulator(data_dir, **env) as handle:
        yield handle
