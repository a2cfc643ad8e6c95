"""Demo data for `make run`: staff logins for each role and ~200 orders in every status.

Orders are created AT THE SIMULATOR through the real Tango client (as if placed by another
system) and brought into the console by the real sync code, so the demo exercises the same
path production does. A few local orders are left for the worker to place, including ones the
simulator refuses for insufficient funds, so "held" and "release" can be tried at once.
"""

from __future__ import annotations

import io
import logging
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from core.actor import Actor, ActorPath
from core.roles import ensure_roles
from orders.actions.entry import create_order
from orders.actions.holds import hold_order
from orders.models import Account, Order
from orders.statuses import HoldReason
from orders.sync.line_items import sync_line_items
from orders.sync.orders import sync_orders_window
from orders.sync.reference import sync_accounts, sync_catalog
from tango.client import get_client
from tango.errors import TangoError
from tango.types import Address, Recipient

DEMO_USERS = {
    # username: (role group, first name, superuser)
    "support": ("Support", "Sam", False),
    "finance": ("Finance", "Fran", False),
    "manager": ("Manager", "Morgan", False),
    "admin": ("Admin", "Alex", True),
}

# Scenario cents of the simulator (tango_sim/README.md) and how many demo orders get each.
SCENARIOS: list[tuple[str, int]] = [
    ("00", 96),  # COMPLETE
    ("11", 10),  # PENDING -> COMPLETE after an hour
    ("12", 6),  # QUEUED
    ("13", 8),  # PENDING_MR
    ("14", 6),  # ON_HOLD until the account is funded
    ("15", 5),  # PENDING_KYB
    ("16", 6),  # PENDING_PAYMENT
    ("17", 10),  # FAILED
    ("18", 6),  # PENDING -> FAILED after an hour
    ("19", 6),  # CANCELLED
    ("20", 4),  # DELETED
    ("21", 8),  # email BOUNCE
    ("23", 6),  # reward REDEEMED
]
FIRST_NAMES = ["Jane", "Omar", "Li", "Priya", "Carlos", "Anna", "Kofi", "Mia", "Lars", "Yuki"]
LAST_NAMES = ["Doe", "Haddad", "Wei", "Patel", "Garcia", "Novak", "Mensah", "Rossi", "Berg"]
USD_VARIABLE = ["U100001", "U100003", "U200001", "U200101", "U200301", "U200501"]
EUR_VARIABLE = ["U100002", "U400001", "U400010"]
CAMPAIGNS = ["Q3-recognition", "Referral bonus", "Survey thanks", "Customer care goodwill"]

logger = logging.getLogger("orders.demo")


@dataclass
class DemoReport:
    users: int = 0
    remote_orders: int = 0
    bulk_orders: int = 0
    local_orders: int = 0
    skipped: bool = False


def ensure_demo_users(password: str) -> int:
    groups = ensure_roles()
    user_model = get_user_model()
    for username, (role, first_name, superuser) in DEMO_USERS.items():
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name = first_name
        user.email = f"{username}@rewards-ops.example"
        user.is_staff = True
        user.is_superuser = superuser
        user.set_password(password)
        user.save()
        user.groups.set([groups[role]])
    return len(DEMO_USERS)


def _is_local(url: str) -> bool:
    return urlsplit(url).hostname in {"127.0.0.1", "localhost", "::1"}


@contextmanager
def simulator_running() -> Iterator[str]:
    """Yield the simulator's admin URL, starting `python -m tango_sim` for the duration if the
    configured one is not answering (make run seeds before honcho starts the real one)."""
    parts = urlsplit(settings.TANGO_BASE_URL)
    admin_url = f"{parts.scheme}://{parts.netloc}/__sim"
    if _healthy(admin_url):
        yield admin_url
        return
    # The same data file the Procfile's `sim` process uses, so seeded orders persist.
    data = Path(settings.BASE_DIR) / settings.TANGO_SIM_DATA
    command = [sys.executable, "-m", "tango_sim", "--host", parts.hostname or "127.0.0.1"]
    command += ["--port", str(parts.port or 8100), "--data", str(data)]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while not _healthy(admin_url):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the Tango simulator did not start for seeding")
            time.sleep(0.2)
        yield admin_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _healthy(admin_url: str) -> bool:
    try:
        return requests.get(f"{admin_url}/health", timeout=1).ok
    except requests.RequestException:
        return False


def seed_demo(*, password: str, orders: int = 200, force: bool = False) -> DemoReport:
    report = DemoReport(users=ensure_demo_users(password))
    if not _is_local(settings.TANGO_BASE_URL):
        raise RuntimeError("demo orders are only created at a local simulator, never at Tango")
    with simulator_running() as admin_url:
        # The simulator's webhook subscription, so its events reach /webhooks/tango/.
        call_command("setup_webhooks", stdout=io.StringIO())
        if Order.objects.exists() and not force:
            report.skipped = True
            return report
        previous = requests.get(f"{admin_url}/config", timeout=5).json()
        # The simulator paces POST /orders at 1/s like Tango; seeding lifts that briefly.
        requests.post(f"{admin_url}/config", json={"order_tps": 0}, timeout=5).raise_for_status()
        try:
            _sync_reference_data()
            report.remote_orders = _create_remote_orders(orders, admin_url)
            report.bulk_orders = _create_bulk_orders()
            _create_history(admin_url, orders)
            _sync_orders()
        finally:
            restore = {"order_tps": previous.get("order_tps", 1)}
            requests.post(f"{admin_url}/config", json=restore, timeout=5)
        report.local_orders = _create_local_orders()
    return report


def _sync_reference_data() -> None:
    sync_accounts()
    sync_catalog()


HISTORY_DAYS = 120


def _create_history(admin_url: str, count: int) -> None:
    """Settled orders over the last months (the simulator's bulk generator: fees, exchange
    rates, PARTIAL async orders), so the finance reports have periods to compare."""
    start = (timezone.now() - timedelta(days=HISTORY_DAYS)).date().isoformat()
    body = {"count": count, "start": start, "seed": 7, "externalRefPrefix": "demo-history-"}
    requests.post(f"{admin_url}/bulk/orders", json=body, timeout=60).raise_for_status()


def _sync_orders() -> None:
    end = timezone.now() + timedelta(minutes=5)
    start = end - timedelta(days=HISTORY_DAYS + 1)
    sync_orders_window(start=start, end=end)
    sync_line_items(start=start, end=end)


def _recipient(rng: random.Random, n: int):
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return Recipient(
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}{n}@example.com",
        mobile_number=f"+1555{n:07d}",
        address=None,
    )


def _create_remote_orders(count: int, admin_url: str) -> int:
    client = get_client()
    rng = random.Random(7)
    plan = [cents for cents, weight in SCENARIOS for _ in range(weight)]
    rng.shuffle(plan)
    logger.info(
        "demo: creating %d orders at the simulator; some are refused on purpose (e.g. a utid "
        "that does not take the amount or delivery method: 422), so the 'tango POST /orders -> "
        "4xx' warnings that follow are expected, not errors",
        count,
    )
    created = refused = 0
    for n, cents in enumerate((plan * 2)[:count]):
        eur = n % 5 == 0
        account = "globex-eur-01" if eur else "acme-usd-01"
        customer = "globex-eu" if eur else "acme-main"
        utid = rng.choice(EUR_VARIABLE if eur else USD_VARIABLE)
        method = rng.choice(["EMAIL"] * 6 + ["PHONE", "NONE", "EMBEDDED"])
        if method == "PHONE" and utid not in {"U100001", "U100002", "U200001", "U200301"}:
            method = "EMAIL"
        recipient = _recipient(rng, n)
        try:
            client.create_order(
                customer_identifier=customer,
                account_identifier=account,
                utid=utid,
                amount=Decimal(f"{rng.choice([10, 15, 20, 25, 50, 75, 100])}.{cents}"),
                delivery_method=method,
                external_ref_id=f"demo-{n:04d}",
                recipient=recipient,
                campaign=rng.choice(CAMPAIGNS),
                # Finance reports group by purchase order number too.
                purchase_order_number=f"PO-{2026 + n % 3}-{n % 7:03d}",
                notes=f"demo order {n}",
            )
            created += 1
        except TangoError:
            refused += 1  # part of the mix: the simulator refuses these as Tango would
            continue
    logger.info("demo: %d orders created, %d refused on purpose by the simulator", created, refused)
    created += _create_physical_orders(client, admin_url)
    return created


def _create_physical_orders(client, admin_url: str) -> int:
    made = 0
    for n, cents in enumerate(["00", "22", "22", "00"]):
        result = client.create_order(
            customer_identifier="acme-main",
            account_identifier="acme-usd-01",
            utid="U300001",
            amount=Decimal(f"50.{cents}"),
            delivery_method="ADDRESS",
            external_ref_id=f"demo-physical-{n}",
            recipient=Recipient(
                first_name="Dana",
                last_name="Lee",
                email=f"dana.lee{n}@example.com",
                mobile_number=None,
                address=Address(
                    company_name=None,
                    street_line1=f"{100 + n} Main St",
                    street_line2=None,
                    city="Springfield",
                    state_or_province="IL",
                    postal_code="62701",
                    country="US",
                ),
            ),
        )
        if cents == "22":
            # Returned mail happens 5 simulated days later; demo it now via the admin API.
            requests.post(
                f"{admin_url}/orders/{result.order.reference_order_id}/transition",
                json={"orderStatus": "COMPLETE", "lineItemStatus": "RETURNED"},
                timeout=5,
            ).raise_for_status()
        made += 1
    return made


def _create_bulk_orders() -> int:
    """Multi-line async orders: one all good, two PARTIAL (some lines fail), one FAILED."""
    client = get_client()
    mixes = [["00", "00", "00"], ["00", "17", "00", "17"], ["17", "00"], ["17", "17"]]
    for n, mix in enumerate(mixes):
        client.create_async_order(
            customer_identifier="acme-main",
            account_identifier="acme-usd-01",
            external_ref_id=f"demo-bulk-{n}",
            line_items=[
                {
                    "external_ref_line_item_id": f"demo-bulk-{n}-{i}",
                    "utid": "U100001",
                    "amount": Decimal(f"20.{cents}"),
                    "delivery_method": "EMAIL",
                    "recipient": Recipient(
                        first_name="Team",
                        last_name=f"Member{i}",
                        email=f"team.member{n}{i}@example.com",
                        mobile_number=None,
                        address=None,
                    ),
                }
                for i, cents in enumerate(mix, start=1)
            ],
        )
    return len(mixes)


def _create_local_orders() -> int:
    """Orders the worker places after start: two exceed acme-usd-02's balance (Tango answers
    402, so they end up held for insufficient funds), one is held by a manager."""
    manager = get_user_model().objects.get(username="manager")
    # The demo's manager enters these orders, by the command line (no request, no IP).
    actor = Actor.for_user(manager, path=ActorPath.COMMAND)
    small = Account.objects.get(identifier="acme-usd-02")
    big = Account.objects.get(identifier="acme-usd-01")
    logger.info(
        "demo: 2 local orders exceed acme-usd-02's balance on purpose: when the worker places "
        "them Tango answers 402 (insufficient funds) and they are held, so Release can be tried; "
        "those 402 warnings are expected"
    )
    made = 0
    for n, (account, amount) in enumerate([(small, "900.00"), (small, "750.00"), (big, "40.00")]):
        with transaction.atomic():
            order = create_order(
                account=account,
                utid="U100001",
                amount=Decimal(amount),
                delivery_method="EMAIL",
                recipient_first_name="Riley",
                recipient_last_name="Chen",
                recipient_email=f"riley.chen{n}@example.com",
                campaign="Year-end bonus",
                actor=actor,
                submit=n < 2,
            )
        if n == 2:
            hold_order(
                order_id=order.pk,
                actor=actor,
                reason=HoldReason.STAFF,
                note="Waiting for the budget owner's sign-off",
            )
        made += 1
    return made
