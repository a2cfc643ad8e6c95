"""Deciding approval requests: approve (one or two distinct checkers), reject (with a reason),
and voiding approvals when a waiting order is edited.

Every decision is refused (ActionNotAllowed) by `approvals.actions.checker.decision_blocker`,
which holds the maker-checker rule; nothing here decides who may. An approval that completes
a request moves the order AWAITING_APPROVAL -> QUEUED with a conditional UPDATE
(orders.state.transition_state) on a locked request row and enqueues placement after commit
only when that UPDATE moved it, so two managers approving the same order at once place it
once. Each decision is one transaction: the request, the order's state, one timeline row and
one audit row; the creator's email is a task enqueued after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.actions.checker import decision_blocker, live_approvals
from approvals.funds import AccountSpend, over_balance, selection_spend
from approvals.models import Approval, ApprovalRequest
from approvals.reissue_claims import release_reissue_claim
from audit.models import AuditAction
from audit.records import record
from core import jobs
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders import events
from orders.actions.placement import enqueue_placement
from orders.models import Order
from orders.state import transition_state
from orders.statuses import APPROVE, REJECT
from orders.statuses import PlacementState as _P


class FundsConfirmationNeeded(ActionNotAllowed):
    """The selection would spend more than an account's balance: confirm to approve anyway."""

    def __init__(self, spends: list[AccountSpend]) -> None:
        self.spends = spends
        super().__init__(" ".join(spend.warning for spend in spends))


@dataclass(frozen=True)
class Decision:
    request_id: int
    order_id: int
    outcome: str  # "queued" | "approved_once" | "rejected" | "refused"
    message: str


def _locked(request_id: int) -> ApprovalRequest:
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("order")
        .prefetch_related("makers", "approvals")
        .get(pk=request_id)
    )


def _refuse_unless_allowed(request: ApprovalRequest, actor: Actor) -> None:
    blocker = decision_blocker(request, actor.user_or_none)
    if blocker:
        raise ActionNotAllowed(blocker)


def approve_request(*, request_id: int, actor: Actor) -> Decision:
    """One checker's approval. The last one needed queues the order for placement."""
    with transaction.atomic():
        request = _locked(request_id)
        _refuse_unless_allowed(request, actor)
        user = actor.user_or_none
        try:
            with transaction.atomic():  # a racing second tab of the same person: one approval
                Approval.objects.create(request=request, approver=user)
        except IntegrityError as exc:
            raise ActionNotAllowed("You already approved this order.") from exc
        given = len(live_approvals(request)) + 1
        needed = request.approvals_needed
        name = user.get_username()
        if given < needed:
            message = f"Approved by {name} ({given} of {needed}); needs a different approver."
            events.approval_noted(
                order=request.order_id,
                actor=actor,
                message=message,
                details={"approval_request": request.pk, "approvals": given, "needed": needed},
            )
            _audit(actor, request, AuditAction.APPROVAL_APPROVE, given=given, needed=needed)
            return Decision(request.pk, request.order_id, "approved_once", message)
        now = timezone.now()
        closed = ApprovalRequest.objects.filter(pk=request.pk, status="pending").update(
            status=ApprovalRequest.Status.APPROVED, decided_at=now, decided_by=user
        )
        message = f"Approved by {name}" + (f" ({given} of {needed})" if needed > 1 else "")
        moved = closed and transition_state(
            order_id=request.order_id,
            transition=APPROVE,
            actor=actor,
            message=f"{message}; queued for placement",
            details={"approval_request": request.pk, "approvals": given},
        )
        if not moved:
            # The order left AWAITING_APPROVAL meanwhile (held, withdrawn): nothing is placed.
            raise ActionNotAllowed("This order is no longer waiting for approval.")
        _audit(actor, request, AuditAction.APPROVAL_APPROVE, given=given, needed=needed)
        enqueue_placement(request.order_id)
        jobs.enqueue("approvals.tasks.notify_creator_task", request_id=request.pk)
    return Decision(request.pk, request.order_id, "queued", f"{message}; queued for placement.")


def approve_requests(
    *, request_ids: Sequence[int], actor: Actor, confirm_over_balance: bool = False
) -> list[Decision]:
    """Approve each selected request (a partial selection of a batch approves only those).

    Refused as a whole with FundsConfirmationNeeded when the selection would spend more than
    an account's current balance, unless `confirm_over_balance`. A request this person may not
    decide is refused on its own (outcome "refused", with the reason); the others go ahead.
    """
    requests = list(ApprovalRequest.objects.filter(pk__in=request_ids).for_queue())
    if not requests:
        raise ActionNotAllowed("Select at least one order to approve.")
    pending = [r for r in requests if r.status == ApprovalRequest.Status.PENDING]
    exceeding = over_balance(selection_spend(pending))
    if exceeding and not confirm_over_balance:
        raise FundsConfirmationNeeded(exceeding)
    decisions = []
    for request in requests:
        try:
            decisions.append(approve_request(request_id=request.pk, actor=actor))
        except ActionNotAllowed as refusal:
            decisions.append(Decision(request.pk, request.order_id, "refused", str(refusal)))
    return decisions


def reject_requests(*, request_ids: Sequence[int], actor: Actor, reason: str) -> list[Decision]:
    """Reject each selected request with the reason (required), ending its order (REJECTED)."""
    reason = reason.strip()
    if not reason:
        raise ActionNotAllowed("Give a reason for the rejection.")
    if not request_ids:
        raise ActionNotAllowed("Select at least one order to reject.")
    decisions = []
    for request_id in request_ids:
        try:
            decisions.append(_reject(request_id, actor, reason))
        except ApprovalRequest.DoesNotExist:
            continue
        except ActionNotAllowed as refusal:
            order_id = (
                ApprovalRequest.objects.filter(pk=request_id).values_list("order_id", flat=True)
            ).first()
            decisions.append(Decision(request_id, order_id or 0, "refused", str(refusal)))
    return decisions


def _reject(request_id: int, actor: Actor, reason: str) -> Decision:
    with transaction.atomic():
        request = _locked(request_id)
        _refuse_unless_allowed(request, actor)
        user = actor.user_or_none
        ApprovalRequest.objects.filter(pk=request.pk, status="pending").update(
            status=ApprovalRequest.Status.REJECTED,
            decided_at=timezone.now(),
            decided_by=user,
            decision_reason=reason[:2000],
        )
        message = f"Rejected by {user.get_username()}: {reason}"
        if not transition_state(
            order_id=request.order_id,
            transition=REJECT,
            actor=actor,
            message=message,
            details={"approval_request": request.pk},
        ):
            raise ActionNotAllowed("This order is no longer waiting for approval.")
        release_reissue_claim(order_id=request.order_id, actor=actor, why=f"rejected ({reason})")
        _audit(actor, request, AuditAction.APPROVAL_REJECT, reason=reason)
        jobs.enqueue("approvals.tasks.notify_creator_task", request_id=request.pk)
    return Decision(request.pk, request.order_id, "rejected", message + ".")


def void_approvals_for(order: Order, *, actor: Actor, reason: str) -> int:
    """Void the approvals already given on a waiting order (call it inside the transaction of
    any edit of its amount, recipient or reward): it needs all of them again. Returns how
    many were voided; writes a timeline row and an audit row when there were any."""
    with transaction.atomic():
        request = ApprovalRequest.objects.filter(order_id=order.pk, status="pending").first()
        if request is None:
            return 0
        voided = Approval.objects.filter(request=request, voided_at__isnull=True).update(
            voided_at=timezone.now(), void_reason=reason[:500]
        )
        if voided:
            events.approval_noted(
                order=order.pk,
                actor=actor,
                message=f"{voided} approval(s) voided: {reason}",
                details={"approval_request": request.pk, "voided": voided},
            )
            _audit(actor, request, AuditAction.APPROVAL_VOID, reason=reason, voided=voided)
    return voided


def _audit(
    actor: Actor, request: ApprovalRequest, action: AuditAction, reason: str = "", **after: int
) -> None:
    record(
        actor=actor,
        action=action,
        obj=request.order,
        before={"state": _P.AWAITING_APPROVAL},
        after={
            "state": Order.objects.filter(pk=request.order_id).values_list("state", flat=True)[0],
            "approval_request": request.pk,
            **after,
        },
        reason=reason,
    )
