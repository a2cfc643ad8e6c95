"""Submitting entered orders through the approval policy: queued now, or waiting for approval.

Contract (read by the order form, uploads and re-orders; also in /work/plan/SUBMIT_API.md):

    submit_orders(orders: Sequence[Order], *, actor: Actor, batch_label: str = "",
                  makers: Sequence[User] = (),
                  verdicts: Mapping[int, Verdict] | None = None) -> SubmitOutcome

* `orders` are DRAFT orders (`orders.actions.entry.create_order(..., submit=False)`), one
  batch: the batch total is a rule of its own. Any order not in DRAFT refuses the whole call
  (ActionNotAllowed) and nothing is written.
* The current policy (highest version) is evaluated for every order (approvals.policy). An
  order that hits no rule goes DRAFT -> QUEUED (orders.actions.holds.submit_order: timeline,
  audit, placement enqueued after commit). One that hits a rule goes DRAFT ->
  AWAITING_APPROVAL with an ApprovalRequest: the rules hit, the policy version, how many
  distinct approvers it needs (1, or 2 above the dual-approval limit), its expiry
  (settings.APPROVAL_EXPIRY_HOURS) and its makers (the order's creator, the submitting
  actor and `makers`, e.g. the upload's creator), who can never decide it.
* `verdicts` (by order id): the caller already evaluated the policy for a batch larger than
  this call (an upload's rows, evaluated as one batch at confirm and placed in chunks,
  uploads.actions.verdicts); those verdicts are used as given, for every order of the call.
* All of it happens in one transaction: every order is moved, or none.
* Returns a SubmitOutcome: per order `status` "queued" or "waiting", `reason` in words staff
  read ("Waiting for approval: amount 600.00 USD is above the 500.00 USD per-order limit"),
  the rules hit, approvals needed, expiry and the request's id.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from approvals.models import ApprovalPolicy, ApprovalRequest
from approvals.policy import RuleHit, Verdict, current_policy, evaluate
from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions.holds import submit_order
from orders.models import Order
from orders.state import transition_state
from orders.statuses import SEND_TO_APPROVAL
from orders.statuses import PlacementState as _P

QUEUED = "queued"
WAITING = "waiting"


@dataclass(frozen=True)
class OrderOutcome:
    """What happened to one submitted order."""

    order_id: int
    status: Literal["queued", "waiting"]
    reason: str  # a sentence for staff: "Queued for placement: ..." / "Waiting for approval: ..."
    rules: tuple[RuleHit, ...] = ()  # the rules hit (code + message), empty when queued
    approvals_needed: int = 0  # 0 when queued, else 1 or 2 (distinct approvers)
    expires_at: datetime | None = None  # when the approval request is withdrawn if undecided
    request_id: int | None = None  # the ApprovalRequest, when waiting

    @property
    def queued(self) -> bool:
        return self.status == QUEUED

    @property
    def waiting(self) -> bool:
        return self.status == WAITING


@dataclass(frozen=True)
class SubmitOutcome:
    """Every submitted order's outcome, in the order given."""

    orders: tuple[OrderOutcome, ...]
    batch: str = ""  # the batch key requests share ("" for a single order)
    policy_version: int | None = None  # the policy evaluated (None: no policy saved yet)

    @property
    def queued(self) -> list[OrderOutcome]:
        return [o for o in self.orders if o.queued]

    @property
    def waiting(self) -> list[OrderOutcome]:
        return [o for o in self.orders if o.waiting]

    def for_order(self, order_id: int) -> OrderOutcome:
        return next(o for o in self.orders if o.order_id == order_id)

    @property
    def message(self) -> str:
        """One sentence for the page: the single order's reason, or counts for a batch."""
        if len(self.orders) == 1:
            return self.orders[0].reason
        return (
            f"{len(self.queued)} of {len(self.orders)} orders queued for placement, "
            f"{len(self.waiting)} waiting for approval."
        )


def submit_orders(
    orders: Sequence[Order],
    *,
    actor: Actor,
    batch_label: str = "",
    makers: Sequence[Any] = (),
    verdicts: Mapping[int, Verdict] | None = None,
) -> SubmitOutcome:
    """Queue each DRAFT order, or send it to approval, as the current policy says."""
    if not orders:
        return SubmitOutcome(orders=())
    ids = [order.pk for order in orders]
    batch = batch_label.strip()[:100] or (f"batch-{uuid.uuid4().hex[:8]}" if len(ids) > 1 else "")
    now = timezone.now()
    with transaction.atomic():
        # Locked and re-read: the states we decide on are the states we move from.
        fresh = {
            o.pk: o
            for o in Order.objects.select_for_update(of=("self",))
            .filter(pk__in=ids)
            .select_related("account")
            .prefetch_related("line_items")
        }
        not_drafts = [pk for pk in ids if pk not in fresh or fresh[pk].state != _P.DRAFT]
        if not_drafts:
            raise ActionNotAllowed(
                "Only orders not yet submitted can be submitted (not drafts: "
                f"{', '.join(str(pk) for pk in not_drafts)})."
            )
        batch_orders = [fresh[pk] for pk in ids]
        policy = current_policy()
        if verdicts is None:
            verdicts = evaluate(policy, batch_orders, now=now)
        elif any(pk not in verdicts for pk in ids):
            raise ValueError("verdicts given for some of the orders only")
        outcomes = []
        for order in batch_orders:
            verdict = verdicts[order.pk]
            if verdict.needs_approval:
                if policy is None:  # evaluated by the caller, and the policy deleted since
                    raise ActionNotAllowed("The approval policy changed; check the upload again.")
                outcomes.append(
                    _send_to_approval(
                        order, verdict, policy=policy, actor=actor, batch=batch, makers=makers
                    )
                )
            else:
                submit_order(order_id=order.pk, actor=actor)
                why = "no approval rule applies" if policy else "no approval policy is set"
                reason = f"Queued for placement: {why}."
                outcomes.append(OrderOutcome(order_id=order.pk, status=QUEUED, reason=reason))
    return SubmitOutcome(
        orders=tuple(outcomes), batch=batch, policy_version=policy.version if policy else None
    )


def expiry_from(moment: datetime) -> datetime:
    return moment + timedelta(hours=settings.APPROVAL_EXPIRY_HOURS)


def _send_to_approval(
    order: Order,
    verdict: Verdict,
    *,
    policy: ApprovalPolicy,
    actor: Actor,
    batch: str,
    makers: Sequence[Any],
) -> OrderOutcome:
    needed = verdict.approvals_needed
    reason = f"Waiting for approval: {verdict.reason}"
    if needed > 1:
        reason += " (needs two different approvers)"
    request = ApprovalRequest.objects.create(
        order=order,
        policy=policy,
        rules=[hit.as_dict() for hit in verdict.hits],
        rule_codes="," + ",".join(dict.fromkeys(hit.code for hit in verdict.hits)) + ",",
        approvals_needed=needed,
        batch=batch,
        expires_at=expiry_from(timezone.now()),
    )
    people = {u.pk: u for u in (order.created_by, actor.user_or_none, *makers) if u is not None}
    request.makers.set(people.values())
    transition_state(
        order_id=order.pk,
        transition=SEND_TO_APPROVAL,
        actor=actor,
        message=reason,
        details={
            "approval_request": request.pk,
            "policy_version": policy.version,
            "rules": [hit.code for hit in verdict.hits],
            "approvals_needed": needed,
        },
    )
    record(
        actor=actor,
        action=AuditAction.APPROVAL_REQUEST,
        obj=order,
        before={"state": _P.DRAFT},
        after={
            "state": _P.AWAITING_APPROVAL,
            "policy_version": policy.version,
            "rules": [hit.code for hit in verdict.hits],
            "approvals_needed": needed,
            "batch": batch,
        },
        reason=verdict.reason,
    )
    return OrderOutcome(
        order_id=order.pk,
        status=WAITING,
        reason=reason,
        rules=tuple(verdict.hits),
        approvals_needed=needed,
        expires_at=request.expires_at,
        request_id=request.pk,
    )
