"""`make run`'s processes (web, worker, beat, simulator under honcho) come up on the embedded
defaults, answer their health URLs, and all stop on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.smoke, pytest.mark.integration]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, deadline: float) -> requests.Response:
    while True:
        try:
            response = requests.get(url, timeout=1)
            if response.ok:
                return response
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer in time")
        time.sleep(0.3)


def _processes_mentioning(marker: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if marker in line and "ps -eo" not in line]


def test_procfile_processes_start_answer_and_stop_on_ctrl_c(tmp_path):
    web_port, sim_port = _free_port(), _free_port()
    bin_dir = Path(sys.executable).parent
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_"))},
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "RO_VAR_DIR": str(tmp_path),
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "WEB_BIND": f"127.0.0.1:{web_port}",
        "WEB_WORKERS": "1",
        "TANGO_SIM_PORT": str(sim_port),
        "TANGO_SIM_DATA": str(tmp_path / "sim.sqlite3"),
        "TANGO_BASE_URL": f"http://127.0.0.1:{sim_port}/raas/v2",
        "DJANGO_SECRET_KEY": "smoke-test-only",
        "REDIS_URL": "",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    log = (tmp_path / "honcho.log").open("w")
    honcho = subprocess.Popen(
        [str(bin_dir / "honcho"), "start", "-f", "Procfile", "-e", "/dev/null"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        assert _wait_for(f"http://127.0.0.1:{web_port}/healthz", deadline).json() == {
            "status": "ok"
        }
        login = _wait_for(f"http://127.0.0.1:{web_port}/login/", deadline)
        assert "Log in" in login.text
        assert _wait_for(f"http://127.0.0.1:{sim_port}/__sim/health", deadline).ok
        # The worker and beat announce themselves in honcho's log once ready.
        while "ready." not in (tmp_path / "honcho.log").read_text():
            assert time.monotonic() < deadline, (tmp_path / "honcho.log").read_text()[-3000:]
            time.sleep(0.3)
        assert honcho.poll() is None
    finally:
        os.killpg(honcho.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        try:
            honcho.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            raise
        log.close()
    time.sleep(0.5)
    assert _processes_mentioning(str(tmp_path)) == []
    assert _processes_mentioning(f"127.0.0.1:{web_port}") == []
