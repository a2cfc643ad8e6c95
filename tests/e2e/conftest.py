"""Browser tests: real Chromium (Debian's, via Playwright), the live Django server, the Tango
simulator and a real Celery worker process sharing the test database and broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.db import connection

from tango.client import reset_client
from tango_sim.testing import simulator_session

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "e2e-password"
WORKER_COMMAND = [
    *(sys.executable, "-m", "celery", "-A", "rewards_admin", "worker", "--pool", "threads"),
    *("--concurrency", "2", "--without-gossip", "--without-mingle", "-l", "INFO"),
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(reason="needs Debian's chromium at " + CHROMIUM))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 860}}


@pytest.fixture(scope="session")
def e2e_sim(tmp_path_factory):
    yield from simulator_session(tmp_path_factory, TANGO_SIM_ORDER_TPS="0")


@pytest.fixture
def demo(live_server, e2e_sim, settings, transactional_db):
    """The console with the demo data set (users of every role, orders in every status)."""
    from orders.demo import seed_demo

    settings.TANGO_BASE_URL = e2e_sim.base_url
    reset_client()
    e2e_sim.reset()
    _purge_test_broker()
    seed_demo(password=PASSWORD, orders=40)
    yield live_server
    reset_client()


def _purge_test_broker() -> None:
    """Drop tasks an earlier test queued with no worker running: their rows are gone now.

    Only this process's own filesystem broker folder; a shared broker is never purged."""
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        from rewards_admin.celery import app

        app.control.purge()


def _worker_env(sim_base_url: str) -> dict[str, str]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "TANGO_BASE_URL": sim_base_url,
        "RO_VAR_DIR": str(settings.VAR_DIR),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_BROKER_DIR": str(settings.BROKER_DIR),
        "DJANGO_SECRET_KEY": "e2e-only",
        "TANGO_ORDER_RATE": "50",
    }
    # The POST /orders limiter's Redis key is per Tango platform, and every simulator shares
    # the demo platform: on a shared Redis this worker would queue behind any other suite or
    # benchmark placing orders at 1 TPS (seen: +7 s per placement). One worker process with
    # threads is exactly what the process-local limiter covers.
    env.pop("REDIS_URL", None)
    if db["ENGINE"].endswith("postgresql"):
        user = db.get("USER") or "postgres"
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{user}@{host}:{port}/{db['NAME']}"
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(db["NAME"])
    return env


@pytest.fixture
def worker(demo, e2e_sim, tmp_path):
    """A real Celery worker on the test database and this test process's broker."""
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            WORKER_COMMAND,
            cwd=ROOT,
            env=_worker_env(e2e_sim.base_url),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while "ready." not in log_path.read_text():
        assert process.poll() is None, log_path.read_text()[-2000:]
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.2)
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    # Shown by pytest only when the test failed ("Captured stdout teardown").
    print("--- worker log (tail) ---\n" + "\n".join(log_path.read_text().splitlines()[-60:]))


@pytest.fixture
def login(page, demo):
    def _login(username: str) -> None:
        page.goto(f"{demo.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{demo.url}/**")

    return _login


@pytest.fixture
def order_form(page, demo):
    """`order_form(amount, search=..., reward=...)`: enter one EMAIL order through the
    new-order form as the logged-in user (pick the account, search the catalog, pick the
    reward, fill the recipient, wait for the cost preview) and submit it; returns the Order."""
    import re

    from playwright.sync_api import expect

    from orders.models import Account, Order

    def _enter(
        amount: str,
        *,
        search: str = "reward link",
        reward: str = "Reward Link",
        account: str = "acme-usd-01",
        screenshot: str | None = None,
    ) -> Order:
        before = set(Order.objects.values_list("pk", flat=True))
        page.get_by_role("navigation", name="Main").get_by_role("link", name="New order").click()
        expect(page.get_by_role("heading", level=1, name="New order")).to_be_visible()
        page.get_by_label("Pay from account").select_option(
            str(Account.objects.get(identifier=account).pk)
        )
        page.get_by_label("Find a reward").fill(search)
        page.get_by_role("button", name=re.compile(rf"^{re.escape(reward)} ")).first.click()
        expect(page.locator("#picked-reward")).to_contain_text(reward)
        page.get_by_label("Amount").fill(amount)
        page.get_by_label("Recipient first name").fill("Avery")
        page.get_by_label("Recipient last name").fill("Stone")
        page.get_by_label("Recipient email").fill("avery.stone@example.com")
        page.get_by_label("Campaign").fill("e2e")
        page.get_by_role("button", name="Preview cost").click()
        expect(page.locator("#preview")).to_contain_text("Charged to the account")
        if screenshot:
            page.screenshot(path=screenshot, full_page=True)
        page.get_by_role("button", name="Submit order").click()
        page.wait_for_url(re.compile(r".*/orders/\d+/$"))
        [order] = Order.objects.exclude(pk__in=before)
        return order

    return _enter


def reload_until_visible(page: Page, locator: Locator, *, timeout: float = 20.0) -> None:
    """The order page does not poll for placement: reload like a person would."""
    from playwright.sync_api import expect

    deadline = time.monotonic() + timeout
    while not locator.is_visible():
        assert time.monotonic() < deadline, f"not shown after {timeout} s: {locator}"
        time.sleep(0.5)
        page.reload()
    expect(locator).to_be_visible()
