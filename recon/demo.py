"""The reconciliation demo (`seed_demo`): a few silent changes at the local simulator (its
/__sim/drift admin API: no webhook tells us), then one reconciliation run over the demo's dates,
so `make run` shows the queue with a mismatch of each kind. Seeded once (skipped when a run
exists); never against Tango (orders.demo refuses a non-local TANGO_BASE_URL first)."""

from __future__ import annotations

from datetime import timedelta

import requests
from django.utils import timezone

from core.actor import Actor, ActorPath
from orders.demo import HISTORY_DAYS, simulator_running
from orders.models import LineItem
from recon.actions.run import perform_run, start_run
from recon.models import ReconRun


def _drift(admin_url: str, method: str, path: str, body: dict | None = None) -> dict:
    response = requests.request(method, f"{admin_url}/drift{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def seed_recon_demo() -> ReconRun | None:
    """Inject five kinds of drift and run a reconciliation; None if one has run already."""
    if ReconRun.objects.exists():
        return None
    lines = list(
        LineItem.objects.filter(
            order__is_bulk=False,
            order__tango_status="COMPLETE",
            status="COMPLETE",
            reward_status="ACTIVE",
            reference_line_item_id__isnull=False,
        )
        .exclude(recipient_email="")
        .select_related("order")
        .order_by("order__tango_created_at")[:5]  # settled ones: older than any sync lag
    )
    if len(lines) < 5:
        return None
    now = timezone.now()
    with simulator_running() as admin_url:
        status, reward, fee, recipient, gone = lines
        order_ref = status.order.reference_order_id
        _drift(admin_url, "POST", f"/orders/{order_ref}", {"status": "FAILED"})
        _drift(admin_url, "POST", f"/lineItems/{reward.reference_line_item_id}",
               {"rewardStatus": "FROZEN"})  # fmt: skip
        _drift(admin_url, "POST", f"/lineItems/{fee.reference_line_item_id}",
               {"amountCharged": {"fee": 4.75}})  # fmt: skip
        _drift(admin_url, "POST", f"/lineItems/{recipient.reference_line_item_id}",
               {"recipient": {"email": "new.address@example.org"}})  # fmt: skip
        _drift(admin_url, "DELETE", f"/orders/{gone.order.reference_order_id}")
        _drift(
            admin_url,
            "POST",
            "/orders",
            {
                "customerIdentifier": gone.order.customer.identifier,
                "accountIdentifier": gone.order.account.identifier,
                "utid": gone.utid,
                "amount": 35,
                "deliveryMethod": "NONE",
                "externalRefID": "placed-in-tango-portal-1",
                "createdAt": (now - timedelta(days=2)).isoformat(),
            },
        )
        run = start_run(
            start=now - timedelta(days=HISTORY_DAYS + 1),
            end=now,
            actor=Actor.system(ActorPath.COMMAND),
        )
        return perform_run(run_id=run.pk)  # now, not by a worker: the demo shows its result
