"""Month-end: what a period close saves, the drift of a re-run, and what was open at its end.

"Open at the period's end" is rebuilt from the timeline, so a period closed days late still
lists what was open at midnight: the value a field had at time T is the OLD value of its first
change after T, or its current value when it has not changed since. Status changes
(`status_changed`), placement moves (`state_changed`, `held`, `released`, ...) and reward
changes (`line_item_changed` with a reward_status change, `line_item_action`) are all on it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from finance.reports import Report
from orders.models import LineItem, OrderEvent
from orders.statuses import OrderStatus, PlacementState, RewardStatus

OPEN_TANGO = {OrderStatus.PENDING: "PENDING at Tango", OrderStatus.ON_HOLD: "ON_HOLD at Tango"}
OPEN_STATES = {
    PlacementState.AWAITING_APPROVAL: "Awaiting approval",
    PlacementState.HELD: "Held (not placed)",
}
FROZEN = "Reward frozen"
K = OrderEvent.Kind
STATE_KINDS = (K.STATE_CHANGED, K.HELD, K.RELEASED, K.APPROVED, K.PLACEMENT_FAILED)
MAX_OPEN_LISTED = 2000


@dataclass(frozen=True)
class OpenItem:
    order_id: int
    reference: str
    account: str
    what: str
    amount: str
    currency: str


def snapshot_numbers(report: Report) -> dict[str, Any]:
    def row(r: Any) -> dict[str, Any]:
        return {
            "label": r.label,
            "charged_currency": r.charged_currency,
            "reward_currency": r.reward_currency,
            "numbers": {k: (str(v) if v is not None else None) for k, v in r.numbers.items()},
        }

    return {"rows": [row(r) for r in report.rows], "totals": [row(r) for r in report.totals]}


def drift(snapshot: dict[str, Any], now: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows whose numbers differ between the close and a re-run: (label, measure, then, now)."""
    changes = []
    for part in ("rows", "totals"):
        before = {_key(r): r["numbers"] for r in snapshot.get(part, [])}
        after = {_key(r): r["numbers"] for r in now.get(part, [])}
        for key in sorted(before.keys() | after.keys()):
            old, new = before.get(key, {}), after.get(key, {})
            for name in sorted(old.keys() | new.keys()):
                if _number(old.get(name)) != _number(new.get(name)):
                    changes.append(
                        {
                            "part": part,
                            "row": " / ".join(key),
                            "measure": name,
                            "then": old.get(name),
                            "now": new.get(name),
                        }
                    )
    return changes


def _key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (row["label"], row["charged_currency"], row["reward_currency"])


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def open_at(orders: QuerySet, moment: datetime) -> list[OpenItem]:
    """Orders (of `orders`) that existed at `moment` and were open then, with why."""
    after = OrderEvent.objects.filter(order=OuterRef("pk"), occurred_at__gt=moment)
    frozen_now = LineItem.objects.filter(order=OuterRef("pk"), reward_status=RewardStatus.FROZEN)
    candidates = (
        orders.filter(ordered_at__lt=moment)
        .filter(
            Q(tango_status__in=list(OPEN_TANGO))
            | Q(state__in=list(OPEN_STATES))
            | Exists(frozen_now)
            | Exists(after)
        )
        .select_related("account")
        .order_by("ordered_at", "pk")[: MAX_OPEN_LISTED * 2]
    )
    candidates = list(candidates)
    events: dict[int, list[OrderEvent]] = {}
    for event in OrderEvent.objects.filter(
        order__in=[o.pk for o in candidates], occurred_at__gt=moment
    ).order_by("occurred_at", "pk"):
        events.setdefault(event.order_id, []).append(event)
    lines: dict[int, list[LineItem]] = {}
    for line in LineItem.objects.filter(order__in=[o.pk for o in candidates]).only(
        "pk", "order_id", "reward_status"
    ):
        lines.setdefault(line.order_id, []).append(line)
    found: list[OpenItem] = []
    for order in candidates:
        later = events.get(order.pk, [])
        status = _first_old(later, (K.STATUS_CHANGED,), order.tango_status)
        state = _first_old(later, STATE_KINDS, order.state, PlacementState.values)
        reasons = [OPEN_TANGO[status]] if status in OPEN_TANGO else []
        if state in OPEN_STATES:
            reasons.append(OPEN_STATES[state])
        if any(
            _reward_then(line, later) == RewardStatus.FROZEN for line in lines.get(order.pk, [])
        ):
            reasons.append(FROZEN)
        if reasons:
            found.append(
                OpenItem(
                    order_id=order.pk,
                    reference=str(order),
                    account=order.account.identifier,
                    what="; ".join(reasons),
                    amount=str(order.amount),
                    currency=order.currency,
                )
            )
    return found[:MAX_OPEN_LISTED]


def _first_old(
    events: list[OrderEvent], kinds: tuple[str, ...], current: str, allowed: Any = None
) -> str:
    for event in events:
        if event.kind in kinds and event.line_item_id is None:
            if allowed is not None and event.new_status not in allowed:
                continue
            return event.old_status
    return current


def _reward_then(line: LineItem, events: list[OrderEvent]) -> str:
    for event in events:
        if event.line_item_id != line.pk:
            continue
        if event.kind == K.LINE_ITEM_ACTION:
            return event.old_status
        change = (event.details or {}).get("changes", {}).get("reward_status")
        if event.kind == K.LINE_ITEM_CHANGED and change:
            return change[0] or ""
    return line.reward_status


def open_items_as_dicts(items: list[OpenItem]) -> list[dict[str, Any]]:
    return [asdict(item) for item in items]
