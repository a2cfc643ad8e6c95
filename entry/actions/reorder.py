"""Re-ordering failed rewards: one new order per FAILED line item, through the approval policy.

From a FAILED order, or the FAILED line items of a PARTIAL one, `reorder_failed` creates one
DRAFT order per chosen line (same reward, amount, delivery method, recipient and address;
amount, delivery method, recipient and postal address editable; sender, message,
campaign... carried over), links each both ways on the timeline ("Re-order of ..." /
"Re-ordered as ...") and submits them all as one batch with
approvals.actions.submit.submit_orders (queued, or waiting for approval, as the policy says).
Everything happens in one transaction: every line is re-ordered, or none.

A failed reward is re-ordered once while its re-order is live or succeeded: the reward's row
is locked (SELECT ... FOR UPDATE) while the live re-orders are counted, and the partial unique
constraint `order_one_live_reorder` backs the lock. A re-order that ends FAILED at Tango,
rejected or expired (withdrawn) frees the reward again. A failed re-order's own line is the
same reward: re-ordering it links the new order to the first failed line (`root_of`), so the
chain still has one live re-order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from approvals.actions.submit import SubmitOutcome, submit_orders
from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.errors import ActionNotAllowed, Problems, ValidationFailed
from orders import events
from orders.actions.entry import create_order
from orders.models import LineItem, Order, OrderEvent
from orders.statuses import LineItemStatus, OrderStatus

REORDERABLE_ORDER_STATUSES = (OrderStatus.FAILED, OrderStatus.PARTIAL)
DETAIL_FIELDS = (
    "sender_first_name",
    "sender_last_name",
    "sender_email",
    "email_subject",
    "message",
    "etid",
    "campaign",
    "notes",
    "purchase_order_number",
)
ADDRESS_FIELDS = ("company", "street1", "street2", "city", "state", "postal_code", "country")


@dataclass(frozen=True)
class ReorderLine:
    """One failed line to re-order, with what staff may change before submitting."""

    line_item_id: int
    amount: Decimal | str
    recipient_first_name: str
    recipient_last_name: str = ""
    recipient_email: str = ""
    recipient_mobile: str = ""
    delivery_method: str = ""  # "" keeps the failed line's
    address: tuple[tuple[str, str], ...] | None = None  # (key, value) pairs; None keeps it

    @classmethod
    def same_as(cls, line_item: LineItem) -> ReorderLine:
        """The failed line as it was: same amount and recipient."""
        return cls(
            line_item_id=line_item.pk,
            amount=line_item.amount,
            recipient_first_name=line_item.recipient_first_name,
            recipient_last_name=line_item.recipient_last_name,
            recipient_email=line_item.recipient_email,
            recipient_mobile=line_item.recipient_mobile,
        )


@dataclass(frozen=True)
class ReorderResult:
    orders: tuple[Order, ...]  # the new orders, in the order of the lines given
    outcome: SubmitOutcome  # queued / waiting for approval, and why

    @property
    def message(self) -> str:
        made = len(self.orders)
        head = f"{made} failed reward{'s' if made != 1 else ''} re-ordered. "
        return head + self.outcome.message


def root_of(line_item: LineItem) -> int:
    """The first failed line of a chain of re-orders: the one a re-order is linked to."""
    return line_item.order.reorder_of_id or line_item.pk


def live_reorder(line_item: LineItem) -> Order | None:
    """The live or succeeded re-order of this failed reward, if any."""
    return Order.objects.live_reorders().filter(reorder_of_id=root_of(line_item)).first()


def reorder_blocker(line_item: LineItem) -> str | None:
    """Why this line cannot be re-ordered now (None: it can)."""
    return reorder_blockers([line_item])[line_item.pk]


def reorder_blockers(line_items: Sequence[LineItem]) -> dict[int, str | None]:
    """reorder_blocker() of each of these lines (e.g. an order's failed lines), their live
    re-orders read in one query."""
    roots = {li.pk: root_of(li) for li in line_items}
    live: dict[int, Order] = {}
    if roots:
        reorders = Order.objects.live_reorders().filter(reorder_of_id__in=set(roots.values()))
        for reorder in reorders:  # newest first: the one live_reorder() answers
            live.setdefault(reorder.reorder_of_id, reorder)
    return {li.pk: _reorder_blocker(li, live.get(roots[li.pk])) for li in line_items}


def _reorder_blocker(line_item: LineItem, live: Order | None) -> str | None:
    if line_item.order.tango_status not in REORDERABLE_ORDER_STATUSES:
        return "Only rewards of FAILED or PARTIAL orders can be re-ordered."
    if line_item.status != LineItemStatus.FAILED:
        return f"Line {line_item.line_number} did not fail."
    if live is not None:
        return (
            f"Line {line_item.line_number} was already re-ordered as order {live.pk} "
            f"({live.get_state_display().lower()})."
        )
    return None


def reorderable_lines(order: Order) -> list[LineItem]:
    """The order's FAILED lines that can be re-ordered now."""
    lines = order.line_items.select_related("order").filter(status=LineItemStatus.FAILED)
    return [line for line in lines if reorder_blocker(line) is None]


def reorder_failed(
    *, order_id: int, lines: Sequence[ReorderLine], actor: Actor, batch_label: str = ""
) -> ReorderResult:
    """Re-order the given FAILED lines of one order: new orders, submitted through the policy.

    Raises ActionNotAllowed (a line is not re-orderable, e.g. already re-ordered) or
    ValidationFailed (every problem of every line, keyed `lines[<line item id>].<field>`);
    nothing is written then.
    """
    if not lines:
        raise ActionNotAllowed("Choose at least one failed reward to re-order.")
    wanted = {line.line_item_id: line for line in lines}
    with transaction.atomic():
        order = Order.objects.select_related("account").get(pk=order_id)
        failed = {
            li.pk: li
            for li in LineItem.objects.select_related("order", "catalog_item").filter(
                order_id=order_id, pk__in=list(wanted)
            )
        }
        missing = [str(pk) for pk in wanted if pk not in failed]
        if missing:
            raise ActionNotAllowed(f"Line items {', '.join(missing)} are not on this order.")
        # The rewards' rows, locked in a fixed order (two tabs cannot deadlock): a second
        # request for the same reward waits here, then sees the first one's re-order.
        roots = sorted({root_of(li) for li in failed.values()})
        list(LineItem.objects.select_for_update(of=("self",)).filter(pk__in=roots).order_by("pk"))
        refusals = [why for li in failed.values() if (why := reorder_blocker(li))]
        if refusals:
            raise ActionNotAllowed(" ".join(refusals))
        problems = Problems()
        created: list[tuple[LineItem, Order]] = []
        for line in lines:
            failed_line = failed[line.line_item_id]
            try:
                with transaction.atomic():
                    new = _new_order(order, failed_line, line, actor)
            except ValidationFailed as exc:
                prefix = f"lines[{failed_line.pk}]."
                problems.extend(
                    exc.problems, prefix=prefix, message_prefix=f"Line {failed_line.line_number}: "
                )
                continue
            created.append((failed_line, new))
        problems.raise_if_any()
        for failed_line, new in created:
            _link(order, failed_line, new, actor)
        new_orders = [new for _, new in created]
        outcome = submit_orders(
            new_orders, actor=actor, batch_label=batch_label or f"re-order of {order}"
        )
        record(
            actor=actor,
            action=AuditAction.ORDER_REORDER,
            obj=order,
            after={
                "line_items": [li.pk for li, _ in created],
                "new_orders": [new.pk for new in new_orders],
                "outcomes": [o.status for o in outcome.orders],
            },
        )
    return ReorderResult(orders=tuple(new_orders), outcome=outcome)


def _new_order(order: Order, failed: LineItem, line: ReorderLine, actor: Actor) -> Order:
    if line.address is not None:
        address = dict(line.address)
    else:
        address = {key: getattr(failed, f"address_{key}") for key in ADDRESS_FIELDS}
    new = create_order(
        account=order.account,
        utid=failed.utid,
        amount=line.amount,
        delivery_method=line.delivery_method or failed.delivery_method,
        recipient_first_name=line.recipient_first_name,
        recipient_last_name=line.recipient_last_name,
        recipient_email=line.recipient_email,
        recipient_mobile=line.recipient_mobile,
        address=address if any(address.values()) else None,
        actor=actor,
        submit=False,
        **{name: getattr(order, name) for name in DETAIL_FIELDS},
    )
    try:
        with transaction.atomic():
            Order.objects.filter(pk=new.pk).update(reorder_of_id=root_of(failed))
    except IntegrityError as exc:  # the constraint behind the lock: someone was faster
        raise ActionNotAllowed(
            f"Line {failed.line_number} was re-ordered by someone else just now."
        ) from exc
    new.reorder_of_id = root_of(failed)
    return new


def _link(order: Order, failed: LineItem, new: Order, actor: Actor) -> None:
    """Both directions on the timeline: the failed order names the new one and vice versa."""
    details = {"failed_order": order.pk, "failed_line_item": failed.pk, "new_order": new.pk}
    events.followup_linked(
        OrderEvent.Kind.REORDER,
        order=order,
        line_item=failed,
        actor=actor,
        message=f"Line {failed.line_number} re-ordered as order {new.pk} ({new.external_ref_id}).",
        details=details,
    )
    events.followup_linked(
        OrderEvent.Kind.REORDER,
        order=new,
        actor=actor,
        message=(
            f"Re-order of line {failed.line_number} of order {order.pk} ({order}), which failed."
        ),
        details=details,
    )
