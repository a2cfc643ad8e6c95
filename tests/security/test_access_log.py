"""The access log never carries a query string (issue 8, item 5, the log part).

An email search travels as `GET /?q=riley.chen2%40example.com`; gunicorn's default access
format logs the request line (`%(r)s`) and the Referer, both with the query, so recipients'
addresses reached the log that the README says never holds contact data. The one gunicorn
config (rewards_admin/gunicorn.conf.py), used by the Procfile and the Docker image, logs the
path only.
"""

from __future__ import annotations

import logging
import os
import re
import runpy
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CONF = "rewards_admin/gunicorn.conf.py"
EMAIL_QUERY = "q=riley.chen2%40example.com"


def gunicorn_logger():
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    cfg = Config()
    for name, value in runpy.run_path(str(ROOT / CONF)).items():
        if name in cfg.settings:
            cfg.set(name, value)
    return cfg, Logger(cfg)


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_an_access_line_has_the_path_but_no_query_string():
    cfg, logger = gunicorn_logger()
    assert cfg.accesslog == "-"  # on by default, to stdout
    lines = Lines()
    logger.access_log.addHandler(lines)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/?{EMAIL_QUERY}",
        "PATH_INFO": "/",
        "QUERY_STRING": EMAIL_QUERY,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
        "HTTP_REFERER": f"https://rewards.example.com/?{EMAIL_QUERY}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[])
    logger.access(response, request, environ, timedelta(milliseconds=42))
    [line] = lines.lines
    assert '"GET / HTTP/1.1" 200 512' in line
    assert "riley" not in line and "?" not in line and "q=" not in line
    assert "10.0.0.1" in line and "42ms" in line


def test_every_way_of_starting_the_web_process_uses_the_config():
    procfile_web = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    assert f"-c {CONF}" in procfile_web or f"--config {CONF}" in procfile_web
    assert "--access-logformat" not in procfile_web
    dockerfile_cmd = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    assert f'"--config", "{CONF}"' in dockerfile_cmd
    compose = (ROOT / "docker-compose.yml").read_text()
    web = re.search(r"\n  web:\n(.*?)\n\n", compose, re.S).group(1)
    assert "command:" not in web  # the image's CMD, above


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.integration
def test_real_gunicorn_logs_no_query_string(tmp_path):
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CELERY_"))},
        "RO_VAR_DIR": str(tmp_path),
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "DJANGO_SECRET_KEY": "access-log-test-only",
    }
    command = [
        *(sys.executable, "-m", "gunicorn", "rewards_admin.wsgi", "-c", CONF),
        *("--bind", f"127.0.0.1:{port}", "--workers", "1"),
    ]
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                # The first request imports the whole app: slow on a busy machine.
                requests.get(f"http://127.0.0.1:{port}/login/?{EMAIL_QUERY}", timeout=20)
                break
            except requests.ConnectionError:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        deadline = time.monotonic() + 10
        while '"GET /login/ ' not in log_path.read_text():
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=15)
    text = log_path.read_text()
    assert '"GET /login/ HTTP/1.1" 200' in text
    assert "riley" not in text and EMAIL_QUERY not in text
