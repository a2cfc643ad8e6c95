"""Reissuing a Choice-product reward: Tango cancels it and creates a new order (§7.3).

`reissue_line_item` claims the reward with one conditional UPDATE (LineItem.
reissue_requested_at), so two clicks, two tabs or two people make one
POST /lineItems/{id}/reissue; no transaction is open during the call. On 201 the new order is
mirrored here (an Order with `reissue_of` = the reward, placed, its line item), both orders are
linked on the timeline and both are re-read from Tango (the sync writes the cancel and the new
order's statuses). POST reissue is not idempotent at Tango, so a lost answer is never retried:
the original line item tells whether the reissue happened (`reissuedToReferenceLineItemId`),
read at once and, if Tango does not know yet, by entry.tasks.resolve_reissue_task a little
later; the new order is adopted from there. A refusal releases the claim and says why.

Every reissue goes through the approval policy new orders go through (a higher amount
included): when a rule is hit, a local order linked to the reward waits for a checker and the
worker reissues once it is approved (entry.actions.reissue_approval).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.actor import Actor
from core.errors import ActionNotAllowed, Problems, ValidationFailed
from core.jobs import enqueue
from entry.actions.reissue_approval import hold_for_approval
from entry.actions.reissue_mirror import find_reissued_order, mirror_reissue, release_claim
from orders import events
from orders.actions.validation import parse_amount, validate_order
from orders.models import LineItem, Order, OrderEvent
from orders.statuses import LineItemStatus, RewardStatus
from tango.client import get_client
from tango.errors import TangoError, TangoUnavailable

MAX_REISSUES = 5  # Tango: 403.022 after 5 reissues along one chain
REASON_CODES = (
    "DELIVERY_INFO",
    "REWARD_AMOUNT",
    "REWARD_TYPE",
    "RECIPIENT",
    "CURRENCY",
    "RECIPIENT_REQUESTED",
    "OTHER",
)
METHODS = ("NONE", "EMAIL", "PHONE", "EMBEDDED", "EMBEDDED_COMPONENT", "WHATSAPP", "BULKDIGITAL")
RECIPIENT = ("first_name", "last_name", "email", "mobile")


@dataclass(frozen=True)
class ReissueResult:
    order_id: int | None  # the new order here; None while a lost answer is being resolved
    message: str
    waiting: bool = False  # held by the approval policy: reissued once approved


def reissue_count(line_item: LineItem) -> int:
    """How many reissues led to this reward (its order's `reissue_of` chain)."""
    count, order = 0, line_item.order
    while order.reissue_of_id and count < MAX_REISSUES:
        count += 1
        order = Order.objects.select_related("reissue_of__order").get(pk=order.pk)
        order = order.reissue_of.order
    return count


def reissue_orders(line_item_ids: Iterable[int]) -> dict[int, Order]:
    """The order each of these rewards was reissued as (or is waiting to be), in one query."""
    return {o.reissue_of_id: o for o in Order.objects.filter(reissue_of__in=list(line_item_ids))}


def reissue_blocker(line_item: LineItem) -> str | None:
    """Why this reward cannot be reissued now (None: it can)."""
    return reissue_blockers([line_item])[line_item.pk]


def reissue_blockers(
    line_items: Sequence[LineItem], *, reissued: dict[int, Order] | None = None
) -> dict[int, str | None]:
    """reissue_blocker() of each of these rewards (e.g. a page of an order's lines): their
    reissue orders in one query (or `reissued`, from reissue_orders()), each order's reissue
    chain counted once."""
    if reissued is None:
        issued = [li.pk for li in line_items if li.reference_line_item_id]
        reissued = reissue_orders(issued) if issued else {}
    chains: dict[int, int] = {}

    def chain(line_item: LineItem) -> int:
        if line_item.order_id not in chains:
            chains[line_item.order_id] = reissue_count(line_item)
        return chains[line_item.order_id]

    return {li.pk: _blocker(li, reissued.get(li.pk), chain) for li in line_items}


def _blocker(
    line_item: LineItem, done: Order | None, chain: Callable[[LineItem], int]
) -> str | None:
    if not line_item.reference_line_item_id:
        return "The reward has not been issued by Tango yet."
    if done is not None and done.reference_order_id is None:
        return f"A reissue of this reward is awaiting approval or being sent: order {done.pk}."
    if done is not None:
        return f"Already reissued as order {done.pk}."
    if line_item.reissue_requested_at:
        return "A reissue of this reward is in progress: Tango's answer is being checked."
    if RewardStatus.CANCELLED in (line_item.reward_status, line_item.status):
        return "The reward is cancelled."
    if line_item.status != LineItemStatus.COMPLETE:
        return "Only issued (COMPLETE) rewards can be reissued."
    catalog = line_item.catalog_item
    if catalog is not None and not catalog.is_choice_product:
        return "Tango reissues Choice products only (e.g. Reward Link)."
    # Tango decides the window (the cancel window: 5 days unless the program customised it)
    # and says so per line item; its canCancel flag, kept by the line-item sync, is the rule.
    if line_item.can_cancel is None:  # POST /orders does not say; the re-read after it will
        return (
            "Tango has not said yet whether it allows a reissue: the order is re-read from Tango "
            "right after placement (Refresh from Tango if this stays)."
        )
    if not line_item.can_cancel:
        return (
            "Tango does not allow a reissue of this reward now (its window may have closed, "
            "or it was redeemed)."
        )
    if chain(line_item) >= MAX_REISSUES:
        return f"This reward was reissued {MAX_REISSUES} times already (Tango's limit)."
    return None


def reissue_line_item(
    *,
    line_item_id: int,
    actor: Actor,
    reason_code: str,
    other_reason: str = "",
    amount: Decimal | str | None = None,
    delivery_method: str = "",
    recipient_first_name: str = "",
    recipient_last_name: str = "",
    recipient_email: str = "",
    recipient_mobile: str = "",
) -> ReissueResult:
    """Reissue the reward at Tango once; mirror the new order and link both.

    Empty values keep the reward's own (amount, delivery method, each recipient field).
    Raises ValidationFailed (every problem, by field), ActionNotAllowed (not possible now,
    or Tango refused: its reason in words). A reissue the policy holds returns `waiting`.
    """
    line_item = LineItem.objects.select_related("order__account", "catalog_item").get(
        pk=line_item_id
    )
    blocker = reissue_blocker(line_item)
    if blocker:
        raise ActionNotAllowed(blocker)
    typed = dict(
        zip(
            RECIPIENT,
            (recipient_first_name, recipient_last_name, recipient_email, recipient_mobile),
            strict=True,
        )
    )
    value = _check(line_item, reason_code, other_reason, amount, delivery_method, typed)
    asked = {
        "reason_code": reason_code,
        "amount": str(value) if value is not None else None,
        "delivery_method": delivery_method or None,
        "recipient_changed": sorted(key for key, v in typed.items() if v),
    }
    with transaction.atomic():
        # Only the row's own column in the WHERE: a condition on a join would become a
        # subquery PostgreSQL does not re-check after waiting for the row lock, and every
        # racer would win. The marker stays set after a reissue (only a refusal clears it).
        claimed = LineItem.objects.filter(
            pk=line_item.pk, reissue_requested_at__isnull=True
        ).update(reissue_requested_at=timezone.now())
        if not claimed:
            raise ActionNotAllowed("A reissue of this reward is already in progress or done.")
        events.followup_linked(
            OrderEvent.Kind.REISSUE,
            order=line_item.order_id,
            line_item=line_item,
            actor=actor,
            message=f"Reissue of line {line_item.line_number} requested ({reason_code}).",
            details={"requested": asked},
        )
        waiting = hold_for_approval(
            line_item=line_item,
            actor=actor,
            reason_code=reason_code,
            other_reason=other_reason,
            amount=value,
            delivery_method=delivery_method,
            typed=typed,
        )
    if waiting is not None:
        return ReissueResult(order_id=waiting.order_id, message=waiting.reason, waiting=True)
    recipient = {("mobile_number" if key == "mobile" else key): v for key, v in typed.items() if v}
    try:  # no transaction open: claim, call, write back
        result = get_client().reissue_line_item(
            line_item.reference_line_item_id,
            reason_code=reason_code,
            other_reason=other_reason or None,
            amount=value,
            delivery_method=delivery_method or None,
            recipient=recipient or None,
        )
    except TangoUnavailable:
        try:  # did it happen? Tango's own record says, read (a POST again could reissue twice)
            new_order = find_reissued_order(line_item)
        except TangoError:
            new_order = None
        if new_order is None:
            enqueue(
                "entry.tasks.resolve_reissue_task",
                line_item_id=line_item.pk,
                actor_id=_actor_id(actor),
            )
            return ReissueResult(
                order_id=None,
                message=(
                    "Tango did not answer the reissue. It is not sent again: the reward is "
                    "checked at Tango and the new order adopted as soon as Tango shows it."
                ),
            )
        order = mirror_reissue(line_item_id=line_item.pk, tango=new_order, actor=actor)
        return ReissueResult(order_id=order.pk, message=_done(order, adopted=True))
    except TangoError as exc:  # refused (4xx) or not sent (configuration): nothing changed
        release_claim(line_item_id=line_item.pk, actor=actor, why=str(exc))
        raise ActionNotAllowed(f"Tango refused the reissue: {exc}") from exc
    order = mirror_reissue(line_item_id=line_item.pk, tango=result.order, actor=actor)
    return ReissueResult(order_id=order.pk, message=_done(order, adopted=False))


def _check(
    line_item: LineItem,
    reason_code: str,
    other_reason: str,
    amount: Decimal | str | None,
    method: str,
    typed: dict[str, str],
) -> Decimal | None:
    problems = Problems()
    if reason_code not in REASON_CODES:
        problems.add("reason_code", "Choose a reason.")
    elif reason_code == "OTHER" and not other_reason.strip():
        problems.add("other_reason", "Describe the reason when choosing Other.")
    if method and method not in METHODS:
        problems.add("delivery_method", f"Tango cannot reissue by {method}.")
    value = None
    if amount not in (None, ""):
        value = parse_amount(amount, problems)
    problems.raise_if_any()
    chosen = method or line_item.delivery_method
    found = validate_order(
        account=line_item.order.account,
        catalog_item=line_item.catalog_item,
        utid=line_item.utid,
        amount=value if value is not None else line_item.amount,
        # BULKDIGITAL needs no recipient channel: checked like NONE (as Tango does).
        delivery_method="NONE" if chosen == "BULKDIGITAL" else chosen,
        address=None,
        **{
            f"recipient_{key}": typed[key] or getattr(line_item, f"recipient_{key}")
            for key in RECIPIENT
        },
    )
    found.pop("account")  # the account's balance is Tango's to check after the refund
    if found:
        raise ValidationFailed(found)
    return value


def _done(order: Order, *, adopted: bool) -> str:
    how = "Tango's answer was lost; found at Tango and adopted" if adopted else "Reissued"
    return f"{how}: new order {order.reference_order_id}; the original reward is cancelled."


def _actor_id(actor: Actor) -> int | None:
    user = actor.user_or_none
    return user.pk if user is not None else None
