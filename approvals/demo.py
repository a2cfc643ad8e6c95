"""The approvals demo (`seed_demo`): a policy and orders waiting for approval, so `make run`
shows the queue, a dual approval, a batch, the funds warning, and an order `manager` made and
so cannot approve. Local rows only: nothing waiting is sent to the simulator. Seeded once
(skipped when a policy exists)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from approvals.actions.policies import save_policy
from approvals.actions.submit import submit_orders
from approvals.models import ApprovalPolicy
from core.actor import Actor, ActorPath
from orders.actions.entry import create_order
from orders.models import Account, CatalogItem

# (who enters it, account, amount, batch): amounts end in .00, the simulator's "success".
WAITING = [
    ("support", "acme-usd-01", "750.00", ""),  # per-order limit
    ("manager", "acme-usd-01", "600.00", ""),  # manager's own: manager cannot approve it
    ("support", "acme-usd-01", "1800.00", ""),  # above the dual limit: two approvers
    ("support", "acme-usd-01", "600.00", "Spring referral bonuses"),  # a batch of three
    ("support", "acme-usd-01", "550.00", "Spring referral bonuses"),
    ("support", "acme-usd-01", "520.00", "Spring referral bonuses"),
    ("support", "acme-usd-02", "650.00", ""),  # more than acme-usd-02's balance: the warning
]


def seed_approvals_demo() -> int:
    """Create the demo policy and waiting orders; how many orders wait (0: already seeded)."""
    if ApprovalPolicy.objects.exists():
        return 0
    users = get_user_model().objects.in_bulk(["admin", "support", "manager"], field_name="username")
    if len(users) < 3 or not CatalogItem.objects.filter(utid="U100001").exists():
        return 0
    save_policy(
        actor=Actor.for_user(users["admin"], path=ActorPath.COMMAND),
        per_order_limits="USD 500, EUR 400",
        dual_approval_limits="USD 1500, EUR 1200",
        daily_creator_limits="USD 10000",
        batch_limits="USD 1500",
        note="Demo policy: a manager approves orders above 500; two approve above 1,500.",
    )
    batches: dict[str, list] = {}
    for n, (username, identifier, amount, batch) in enumerate(WAITING):
        account = Account.objects.filter(identifier=identifier).first()
        if account is None:
            continue
        actor = Actor.for_user(users[username], path=ActorPath.COMMAND)
        with transaction.atomic():
            order = create_order(
                account=account,
                utid="U100001",
                amount=Decimal(amount),
                delivery_method="EMAIL",
                recipient_first_name="Morgan",
                recipient_last_name="Lee",
                recipient_email=f"morgan.lee{n}@example.com",
                campaign=batch or "Manager bonus",
                actor=actor,
                submit=False,
            )
        if batch:
            batches.setdefault(batch, []).append((order, actor))
        else:
            submit_orders([order], actor=actor)
    for label, entered in batches.items():
        submit_orders([order for order, _ in entered], actor=entered[0][1], batch_label=label)
    return len(WAITING)
