"""Screenshots of the console for the docs, taken in real Chromium through the UI.

    python bench/screenshots.py [--base-url http://127.0.0.1:8000] [--username manager]
                                [--password rewards-demo] [--out docs/screenshots]

Point it at a running console with the demo data (`make run`, or `make setup` and the Procfile
processes on spare ports). It logs in like a person, filters with the sidebar checkboxes and
opens an order, then writes:

- orders-list.png: the list filtered to the orders that need attention (manual review, KYB,
  payment, on hold, failed);
- orders-partial-failed.png: PARTIAL orders that have FAILED line items;
- order-detail.png: the first of those, with its line items and timeline (whole page).

It only reads: nothing is clicked that changes an order. Needs Debian's chromium
(/usr/bin/chromium); `playwright install` cannot download browsers on these machines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# The same flags as tests/e2e/conftest.py: without the background-networking ones Chromium
# keeps calling home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WIDTH = 1280
HEIGHT = 900
NEEDS_ATTENTION = ["Pending manual review", "Pending KYB", "Pending payment", "On hold", "Failed"]


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if "/login/" in page.url:
        raise SystemExit(f"could not log in as {username!r} at {base_url}")
    expect(page.get_by_role("table")).to_be_visible()


def check_facet(page: Page, group: str, label: str) -> None:
    """Tick a sidebar filter and wait for the HTMX swap to land (the URL follows it)."""
    before = page.url
    page.get_by_role("group", name=group).get_by_label(label, exact=False).first.check()
    expect(page).not_to_have_url(before)
    page.wait_for_load_state("networkidle")


def settle(page: Page) -> None:
    # Fading success messages and the lazy facet counts should not be caught half-way.
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)


def take(base_url: str, username: str, password: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        page = context.new_page()
        log_in(page, base_url.rstrip("/"), username, password)

        for label in NEEDS_ATTENTION:
            check_facet(page, "Order status", label)
        settle(page)
        written.append(out / "orders-list.png")
        page.screenshot(path=written[-1])

        page.goto(f"{base_url.rstrip('/')}/")
        check_facet(page, "Order status", "Partial")
        check_facet(page, "Line-item status", "Failed")
        settle(page)
        written.append(out / "orders-partial-failed.png")
        page.screenshot(path=written[-1])

        rows = page.get_by_role("table").locator("tbody").get_by_role("row")
        if rows.first.get_by_role("link").count() == 0:
            raise SystemExit("no PARTIAL order with a FAILED line item to show: seed the demo")
        rows.first.get_by_role("link").first.click()
        expect(page.get_by_role("region", name="Timeline")).to_be_visible()
        settle(page)
        written.append(out / "order-detail.png")
        page.screenshot(path=written[-1], full_page=True)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="manager")
    parser.add_argument("--password", default="rewards-demo")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)", file=sys.stderr)
        return 2
    for path in take(args.base_url, args.username, args.password, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
