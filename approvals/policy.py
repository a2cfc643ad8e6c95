"""Evaluating the approval policy: which rules an order (and its batch) hits, in words.

Pure reads, no writes: `evaluate` answers, per order, the rules hit and how many distinct
approvers the order needs (0: none, it may be queued; 1; or 2 above the dual-approval limit).
`approvals.actions.submit` acts on the answer. Amounts are compared per currency (the order's
own currency, its face value); a currency with no limit has none. Money is never added across
currencies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from approvals.models import ApprovalPolicy
from orders.models import Order
from orders.statuses import PlacementState as _P


class Rule:
    """The rule codes (stored on requests, filterable in the queue)."""

    PER_ORDER = "per_order"
    DUAL = "dual"
    ACCOUNT = "account"
    REWARD = "reward"
    DAILY = "daily"
    BATCH = "batch"

    LABELS = {
        PER_ORDER: "Amount per order",
        DUAL: "Dual-approval amount",
        ACCOUNT: "Account always needs approval",
        REWARD: "Reward always needs approval",
        DAILY: "Creator's daily total",
        BATCH: "Batch total",
    }


# Orders that no longer count towards a creator's daily total: never going to Tango.
NOT_SPENDING = (_P.REJECTED, _P.WITHDRAWN)


@dataclass(frozen=True)
class RuleHit:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class Verdict:
    """What the policy says about one order."""

    order_id: int
    hits: list[RuleHit] = field(default_factory=list)
    approvals_needed: int = 0

    @property
    def needs_approval(self) -> bool:
        return self.approvals_needed > 0

    @property
    def reason(self) -> str:
        return "; ".join(hit.message for hit in self.hits)


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def current_policy() -> ApprovalPolicy | None:
    return ApprovalPolicy.objects.order_by("-version").first()


def evaluate(
    policy: ApprovalPolicy | None, orders: Sequence[Order], *, now: datetime | None = None
) -> dict[int, Verdict]:
    """The verdict for each order (by id); `orders` is one batch (its total is a rule)."""
    verdicts = {order.pk: Verdict(order_id=order.pk) for order in orders}
    if policy is None:
        return verdicts
    accounts = {str(a).strip().lower() for a in policy.accounts}
    utids = {str(u).strip().upper() for u in policy.utids}
    for order in orders:
        verdict = verdicts[order.pk]
        currency = order.currency
        limit = policy.limit(policy.per_order_limits, currency)
        if limit is not None and order.amount > limit:
            verdict.hits.append(
                RuleHit(
                    Rule.PER_ORDER,
                    f"amount {money(order.amount)} {currency} is above the {money(limit)} "
                    f"{currency} per-order limit",
                )
            )
        dual = policy.limit(policy.dual_approval_limits, currency)
        if dual is not None and order.amount > dual:
            verdict.hits.append(
                RuleHit(
                    Rule.DUAL,
                    f"amount {money(order.amount)} {currency} is above the {money(dual)} "
                    f"{currency} dual-approval limit (two different approvers)",
                )
            )
            verdict.approvals_needed = 2
        if order.account.identifier.lower() in accounts:
            verdict.hits.append(
                RuleHit(Rule.ACCOUNT, f"orders on account {order.account.identifier} need approval")
            )
        order_utids = sorted({item.utid.upper() for item in order.line_items.all()} & utids)
        if order_utids:
            verdict.hits.append(
                RuleHit(Rule.REWARD, f"reward {', '.join(order_utids)} needs approval")
            )
    _daily_totals(policy, orders, verdicts, now or timezone.now())
    _batch_totals(policy, orders, verdicts)
    for verdict in verdicts.values():
        if verdict.hits and not verdict.approvals_needed:
            verdict.approvals_needed = 1
    return verdicts


def _daily_totals(
    policy: ApprovalPolicy, orders: Sequence[Order], verdicts: dict[int, Verdict], now: datetime
) -> None:
    """A creator's orders entered today (this batch included) above their daily limit."""
    if not policy.daily_creator_limits:
        return
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    pairs = {(o.created_by_id, o.currency) for o in orders if o.created_by_id is not None}
    for creator_id, currency in pairs:
        limit = policy.limit(policy.daily_creator_limits, currency)
        if limit is None:
            continue
        total = Order.objects.filter(
            created_by_id=creator_id,
            currency=currency,
            created_at__gte=start,
            created_at__lt=start + timedelta(days=1),
        ).exclude(state__in=NOT_SPENDING).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        # Orders not stored yet (an upload's rows, evaluated before they become orders) count
        # too: the database cannot know them.
        total += sum(
            (
                o.amount
                for o in orders
                if o._state.adding and o.created_by_id == creator_id and o.currency == currency
            ),
            Decimal(0),
        )
        if total <= limit:
            continue
        for order in orders:
            if order.created_by_id == creator_id and order.currency == currency:
                verdicts[order.pk].hits.append(
                    RuleHit(
                        Rule.DAILY,
                        f"the creator's total today {money(total)} {currency} is above the "
                        f"{money(limit)} {currency} daily limit",
                    )
                )


def _batch_totals(
    policy: ApprovalPolicy, orders: Sequence[Order], verdicts: dict[int, Verdict]
) -> None:
    """Every order of a batch whose total (per currency) is above the batch limit."""
    if not policy.batch_limits or len(orders) < 2:
        return
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for order in orders:
        totals[order.currency] += order.amount
    for currency, total in totals.items():
        limit = policy.limit(policy.batch_limits, currency)
        if limit is None or total <= limit:
            continue
        for order in orders:
            if order.currency == currency:
                verdicts[order.pk].hits.append(
                    RuleHit(
                        Rule.BATCH,
                        f"the batch total {money(total)} {currency} is above the "
                        f"{money(limit)} {currency} batch limit",
                    )
                )
