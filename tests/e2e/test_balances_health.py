"""Finance opens balances and sees the runway; an admin opens sync health, replays a failed
webhook event and sees it applied."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from finance.demo import seed_balances_demo
from health.demo import seed_health_demo
from orders.models import WebhookEvent


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The console banners are cached per process, and the live server is this process: no
    banner computed here may outlive the test."""
    cache.clear()
    yield
    cache.clear()


def test_finance_opens_balances_and_sees_the_runway(page: Page, login, demo):
    assert seed_balances_demo() == 3
    login("finance")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Balances").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Balances")
    accounts = page.get_by_role("table", name="Accounts")
    acme = accounts.get_by_role("row").filter(has_text="acme-usd-01")
    expect(acme.locator("td[data-runway]")).to_have_text(re.compile(r"^[\d,.]+ days$"))
    # acme-usd-02 is under its threshold: a badge on its row and the banner across the console.
    low = accounts.get_by_role("row").filter(has_text="acme-usd-02")
    expect(low.get_by_text("Low balance")).to_be_visible()
    expect(page.get_by_role("region", name="Low balance")).to_contain_text("acme-usd-02")

    page.get_by_role("button", name="Refresh from Tango").click()
    expect(page.get_by_text(re.compile(r"Read \d+ balance\(s\) from Tango"))).to_be_visible()
    expect(acme.get_by_text("Explained")).to_be_visible()
    page.screenshot(path="/tmp/health-e2e-balances.png", full_page=True)


def test_admin_replays_a_failed_event_on_sync_health(page: Page, login, demo):
    assert seed_health_demo() == 1
    event = WebhookEvent.objects.get(processed_at__isnull=True)
    login("admin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync health").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sync health")
    failed = page.get_by_role("table", name="Failed events")
    expect(failed).to_contain_text(event.event_id)
    page.screenshot(path="/tmp/health-e2e-sync.png", full_page=True)

    failed.get_by_role("button", name=f"Replay AccountStatus event {event.event_id}").click()
    expect(
        page.get_by_text(re.compile(rf"AccountStatus event {event.event_id} applied"))
    ).to_be_visible()
    expect(failed).to_contain_text("Every stored event was applied.")
    event.refresh_from_db()
    assert event.processed_at is not None
