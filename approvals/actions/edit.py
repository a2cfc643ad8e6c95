"""Editing an order that waits for approval (amount, recipient name and email).

The edit voids the approvals already given (void_approvals_for), re-evaluates the current
policy for the new amount (an order edited above the dual limit now needs two approvers), and
makes the editor one of the order's makers, so nobody edits an order and then approves it.
Validated by the one validator (orders.actions.validation.validate_order); nothing is written
when it fails. One transaction: the order and its line, the request, the timeline row, the
audit row.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from approvals.actions.decide import void_approvals_for
from approvals.models import ApprovalRequest
from approvals.policy import current_policy, evaluate
from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders import events
from orders.actions.validation import parse_amount, validate_order
from orders.models import ADDRESS_COLUMNS, Order
from orders.statuses import PlacementState as _P

EDITABLE = ("amount", "recipient_first_name", "recipient_last_name", "recipient_email")


def edit_blocker(order: Order) -> str | None:
    if order.state != _P.AWAITING_APPROVAL:
        return "Only orders waiting for approval can be edited here."
    if order.is_bulk:
        return "A bulk order's lines cannot be edited here."
    return None


def edit_waiting_order(
    *,
    order_id: int,
    actor: Actor,
    amount: Decimal | str,
    recipient_first_name: str,
    recipient_last_name: str,
    recipient_email: str,
) -> Order:
    """Change the amount and/or recipient of a waiting order. Raises ValidationFailed with
    every problem, ActionNotAllowed when the order cannot be edited (or nothing changed)."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",)).select_related("account").get(pk=order_id)
        )
        blocker = edit_blocker(order)
        if blocker:
            raise ActionNotAllowed(blocker)
        line = order.line_items.select_related("catalog_item").get()
        validate_order(
            account=order.account,
            catalog_item=line.catalog_item,
            utid=line.utid,
            amount=amount,
            delivery_method=line.delivery_method,
            recipient_first_name=recipient_first_name,
            recipient_last_name=recipient_last_name,
            recipient_email=recipient_email,
            recipient_mobile=line.recipient_mobile,
            address={k[8:]: getattr(line, k) for k in ADDRESS_COLUMNS},
        ).raise_if_any()
        new = {
            "amount": parse_amount(amount),
            "recipient_first_name": recipient_first_name.strip(),
            "recipient_last_name": recipient_last_name.strip(),
            "recipient_email": recipient_email.strip(),
        }
        changed = [name for name in EDITABLE if getattr(line, name) != new[name]]
        if not changed:
            raise ActionNotAllowed("Nothing changed.")
        # Contact data never goes into the audit or timeline: only which fields changed.
        before = {"amount": str(order.amount)} if "amount" in changed else {}
        for name in changed:
            setattr(line, name, new[name])
        line.save(update_fields=[*changed, "updated_at"])
        order.amount = new["amount"]
        order.save(update_fields=["amount", "updated_at"])
        reason = f"order edited ({', '.join(changed)})"
        void_approvals_for(order, actor=actor, reason=reason)
        _reevaluate(order, actor)
        events.approval_noted(
            order=order.pk,
            actor=actor,
            message=f"Edited while waiting for approval: {', '.join(changed)}",
            details={"fields": changed},
        )
        record(
            actor=actor,
            action=AuditAction.ORDER_EDIT,
            obj=order,
            before=before,
            after={"fields": changed, **({"amount": str(order.amount)} if before else {})},
        )
    return order


def _reevaluate(order: Order, actor: Actor) -> None:
    """The request under the current policy, for the edited order (never fewer than one
    approval: it was sent to approval and stays there)."""
    request = ApprovalRequest.objects.get(order=order)
    policy = current_policy() or request.policy
    verdict = evaluate(policy, [order])[order.pk]
    rules = [hit.as_dict() for hit in verdict.hits]
    found = {rule["code"] for rule in rules}
    # Rules about the whole batch or day cannot be re-read for one order: they stay.
    rules += [
        r for r in request.rules if r["code"] in ("batch", "daily") and r["code"] not in found
    ]
    if rules:
        request.rules = rules
        request.rule_codes = "," + ",".join(dict.fromkeys(r["code"] for r in rules)) + ","
    request.policy = policy
    request.approvals_needed = max(1, verdict.approvals_needed)
    request.save(update_fields=["rules", "rule_codes", "policy", "approvals_needed"])
    if actor.user_or_none is not None:
        request.makers.add(actor.user_or_none)
