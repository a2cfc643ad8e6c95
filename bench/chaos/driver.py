"""The chaos run's driver: a Django process pointed at the throwaway database.

It creates the orders through `create_order`, runs the sweeper every few seconds the way beat
would, and once every order is placed/held/failed turns the faults off, moves the simulator's
clock on, runs the status sync and compares local orders with the simulator's. It reports
through `emit` lines on stdout (EVENT_PREFIX + JSON), read by bench/chaos/orchestrator.py,
which starts it as `python -m bench.chaos.driver` with its settings in CHAOS_DRIVER.
"""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any

ACCOUNT = "acme-usd-01"  # seed account with a 250,000 USD balance
EVENT_PREFIX = "CHAOS "


def emit(event: dict[str, Any]) -> None:
    print(EVENT_PREFIX + json.dumps(event, default=str), flush=True)


# Amount cents pick the simulator's scenario (tango_sim/scenarios.py): .00 COMPLETE at once,
# .11 PENDING -> COMPLETE after 1 simulated hour, .12 QUEUED -> COMPLETE after 10 minutes.
AMOUNT_MIX = (("5.00", 0.85), ("5.11", 0.10), ("5.12", 0.05))
SIM_ADVANCE_SECONDS = 2 * 3600


def drive(cfg: dict[str, Any]) -> None:
    """Create the orders, sweep until they settle, then sync and compare with the simulator."""
    import django

    django.setup()
    from core.actor import Actor, ActorPath
    from orders.actions.entry import create_order
    from orders.models import Order

    rng = random.Random(cfg["seed"])
    account = _local_reference_data(cfg["account"])
    started = time.monotonic()
    for _ in range(cfg["orders"]):
        amount = rng.choices([a for a, _ in AMOUNT_MIX], [w for _, w in AMOUNT_MIX])[0]
        create_order(
            account=account,
            utid="U100001",
            amount=amount,
            delivery_method="EMAIL",
            recipient_first_name="Chaos",
            recipient_last_name="Monkey",
            recipient_email="chaos@example.com",
            actor=Actor.system(ActorPath.COMMAND),
        )
    emit({"phase": "created", "orders": cfg["orders"], "seconds": time.monotonic() - started})
    settle = _wait_until_settled(cfg, started)
    emit({"phase": "settled", **settle})

    placed_at = sorted(
        Order.objects.filter(placed_at__isnull=False).values_list("placed_at", flat=True)
    )
    throughput = span = None
    if len(placed_at) > 1:
        span = (placed_at[-1] - placed_at[0]).total_seconds()
        throughput = (len(placed_at) - 1) / span if span > 0 else None
    _sim_admin(cfg["sim_admin_url"], "/config", {"faults": {}})
    _sim_admin(cfg["sim_admin_url"], "/clock/advance", {"seconds": SIM_ADVANCE_SECONDS})
    sync_mode, convergence = _sync_until_converged(cfg)
    emit(
        {
            "phase": "report",
            **settle,
            **_compare(cfg["account"]),
            "throughput": throughput,
            "placement_span_seconds": span,
            "sync_mode": sync_mode,
            "sync_convergence_seconds": convergence,
        }
    )


def _local_reference_data(identifier: str) -> Any:
    from orders.models import Account, Brand, CatalogItem, Customer

    customer, _ = Customer.objects.get_or_create(
        identifier="acme-main", defaults={"display_name": "Acme Corporation", "status": "ACTIVE"}
    )
    account, _ = Account.objects.get_or_create(
        identifier=identifier,
        defaults={"customer": customer, "display_name": "Acme USD main", "currency": "USD"},
    )
    brand, _ = Brand.objects.get_or_create(brand_key="B000001", defaults={"name": "Reward Link"})
    CatalogItem.objects.get_or_create(
        utid="U100001",
        defaults={
            "brand": brand,
            "reward_name": "Reward Link",
            "currency": "USD",
            "value_type": "VARIABLE_VALUE",
            "min_value": 1,
            "max_value": 2000,
            "reward_type": "reward link",
            "delivery_methods": ["EMAIL", "PHONE", "EMBEDDED"],
            "status": "active",
        },
    )
    return account


def _wait_until_settled(cfg: dict[str, Any], started: float) -> dict[str, Any]:
    from datetime import timedelta

    from django.db.models import Count

    from orders.actions.sweeper import sweep_stuck_placements
    from orders.models import Order

    final_states = {"placed", "held", "placement_failed"}
    last_sweep = 0.0
    redrives = 0
    timed_out = False
    while True:
        now = time.monotonic()
        if now - last_sweep >= cfg["sweep_every"]:
            last_sweep = now
            result = sweep_stuck_placements(
                placing_stale_after=timedelta(seconds=cfg["placing_stale_after"]),
                queued_stale_after=timedelta(seconds=cfg["queued_stale_after"]),
            )
            redrives += result.requeued_placing + result.reenqueued_queued
        states = dict(Order.objects.values_list("state").annotate(n=Count("id")).order_by())
        final = sum(n for state, n in states.items() if state in final_states)
        emit({"phase": "progress", "states": states, "final": final, "elapsed": now - started})
        if final >= cfg["orders"]:
            break
        if now - started > cfg["timeout"]:
            timed_out = True
            break
        time.sleep(0.5)
    return {
        "settle_seconds": time.monotonic() - started,
        "sweeps": redrives,
        "timed_out": timed_out,
    }


def _sync_until_converged(cfg: dict[str, Any]) -> tuple[str, float]:
    """Run the order-status sync until local statuses equal the simulator's (max 2 min)."""
    from datetime import timedelta

    from django.utils import timezone

    try:
        from orders.sync.orders import sync_orders_window
    except ImportError:
        return "none (orders.sync.orders missing)", 0.0
    started = time.monotonic()
    while True:
        sync_orders_window(
            start=timezone.now() - timedelta(days=1),
            end=timezone.now() + timedelta(seconds=SIM_ADVANCE_SECONDS + 3600),
        )
        if _compare(cfg["account"])["status_mismatches"] == 0:
            return "sync_orders_window", time.monotonic() - started
        if time.monotonic() - started > 120:
            return "sync_orders_window (did not converge)", time.monotonic() - started
        time.sleep(1)


def _compare(account: str) -> dict[str, Any]:
    """Local orders against every order the simulator holds for the account."""
    from collections import Counter, defaultdict

    from django.conf import settings

    from orders.models import Order
    from tango.client import get_client

    prefix = f"{settings.TANGO_EXTERNAL_REF_PREFIX}-"
    at_tango: dict[str, list[Any]] = defaultdict(list)
    for order in get_client().iter_orders(account_identifier=account):
        if (order.external_ref_id or "").startswith(prefix):
            at_tango[order.external_ref_id].append(order)
    local = list(
        Order.objects.values_list(
            "external_ref_id", "state", "reference_order_id", "tango_status", "amount"
        )
    )
    local_refs = {row[0] for row in local}
    lost, wrong_ref, mismatches, wrong_amount = [], [], [], []
    for ext_ref, state, reference, status, amount in local:
        remote = at_tango.get(ext_ref)
        if not remote:
            lost.append(ext_ref)
            continue
        # What Tango holds must be what we meant to send (catches "the wrong order was sent").
        sent = remote[0].denomination or remote[0].amount_charged
        if sent is None or sent.value != amount:
            wrong_amount.append(f"{ext_ref}: local {amount}, Tango {sent.value if sent else None}")
        if state != "placed" or reference != remote[0].reference_order_id:
            wrong_ref.append(ext_ref)
        elif status != remote[0].status:
            mismatches.append(f"{ext_ref}: local {status}, Tango {remote[0].status}")
    return {
        "orders": len(local),
        "created_at_tango": len(at_tango),
        "duplicates": sum(1 for orders in at_tango.values() if len(orders) > 1),
        "lost": len(lost),
        "not_placed_locally": len(wrong_ref),
        "orphans": len(set(at_tango) - local_refs),
        "status_mismatches": len(mismatches) + len(wrong_ref),
        "amount_mismatches": len(wrong_amount),
        "mismatch_examples": mismatches[:5] + wrong_ref[:5] + lost[:5] + wrong_amount[:5],
        "local_states": dict(Counter(row[1] for row in local)),
    }


def _sim_admin(admin_url: str, path: str, payload: dict[str, Any]) -> Any:
    import urllib.request

    request = urllib.request.Request(
        f"{admin_url}{path}",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


if __name__ == "__main__":
    drive(json.loads(os.environ["CHAOS_DRIVER"]))
