"""Timeline rows (orders_orderevent) of one order: 1-3 each, worded like the app writes them.

Console orders start with the staff's ``created`` row, imported ones with the sync's; then the
placement outcome (worker), and for placed orders one of: the sync seeing the final status, a
line-item change (sync: FAILED line, bounced email; webhook: RewardStatus,
LineItemDeliveryStatus), the AsyncOrderStatus webhook of a bulk order, or the ``stuck`` flag.
The id column is left to the database (identity), in COPY order.
"""

from __future__ import annotations

from typing import Any

from bench.datagen.text import NULL, US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, esc, ts

KNOWN_FIELDS = (
    "order_id", "line_item_id", "occurred_at", "source", "kind", "old_status", "new_status",
    "actor_id", "message", "details",
)  # fmt: skip

FINAL = frozenset({"COMPLETE", "FAILED", "CANCELLED", "PARTIAL", "DELETED"})
REWARD_EVENTS = {
    "REDEEMED": "FULL-REDEMPTION",
    "PARTIALLY_REDEEMED": "PARTIAL_REDEMPTION",
    "FROZEN": "FROZEN",
    "CANCELLED": "CANCELLED",
}
DELIVERY_EVENTS = {
    "DISPATCHED": ("PROCESSING", "SHIPPED"),
    "DELIVERED": ("DISPATCHED", "COMPLETED"),
}
ASYNC_OUTCOME = {"COMPLETE": "SUCCESSFUL", "PARTIAL": "PARTIALFAILED", "FAILED": "FAILED"}


def make_events(gen: Any, ctx: Any, candidates: list[tuple]) -> list[tuple]:
    rng, now = gen.rng, gen.now
    rand, randrange = rng.random, rng.randrange
    order_id = str(ctx.order_id)
    rows: list[tuple] = []

    def add(at, source, kind, old, new, message, details="{}", actor=None, line=None):
        rows.append(
            (
                order_id,
                str(line) if line else NULL,
                ts(min(at, now)),
                source,
                kind,
                old,
                new,
                str(actor) if actor else NULL,
                esc(message),
                details,
            )
        )

    ref_details = f'{{"reference_order_id":"{ctx.ref}"}}' if ctx.ref else "{}"
    state, status = ctx.state, ctx.status
    if ctx.console:
        initial = "draft" if state in ("draft", "awaiting_approval", "rejected") else "queued"
        what = f"Bulk order with {ctx.n_lines} lines created" if ctx.bulk else "Created"
        add(
            ctx.created,
            "staff",
            "created",
            "",
            initial,
            f"{what} with externalRefID {ctx.ext}",
            actor=ctx.actor,
        )
        local_outcome(add, ctx, rand, randrange)
        seen = "PENDING" if ctx.completed is None or ctx.bulk or rand() < 0.3 else status
    else:
        seen = status if ctx.completed and ctx.completed <= ctx.created else "PENDING"
        if status not in FINAL:
            seen = status
        add(
            ctx.created,
            "sync",
            "created",
            "",
            seen,
            f"Imported from Tango: placed outside Rewards Ops (order source {ctx.source}).",
            ref_details,
        )
    if state != "placed" or len(rows) >= 3:
        return rows
    synced = ctx.synced or now
    if ctx.stuck:
        created = ts(ctx.tango_created)[:16]
        add(
            ctx.tango_created + US_PER_DAY + randrange(US_PER_HOUR, 3 * US_PER_DAY),
            "system",
            "stuck",
            "PENDING",
            "PENDING",
            "PENDING at Tango for more than one business day (created "
            f"{created} UTC). Contact Tango support with Reference Order ID {ctx.ref}.",
            ref_details,
        )
    elif ctx.bulk and status in ASYNC_OUTCOME and rand() < 0.5:
        outcome = ASYNC_OUTCOME[status]
        add(
            ctx.completed or synced,
            "webhook",
            "status_changed",
            "PENDING",
            status,
            f"Tango order status PENDING → {status} (AsyncOrderStatus {outcome})",
            ref_details,
        )
    elif candidates and rand() < 0.8:
        line_event(add, ctx, candidates[randrange(len(candidates))], rng, now)
    elif seen != status and status in FINAL:
        add(
            synced,
            "sync",
            "status_changed",
            seen,
            status,
            f"Tango order status {seen} → {status}",
            ref_details,
        )
    return rows


def local_outcome(add, ctx: Any, rand, randrange) -> None:
    """The console order's second row: what placement (or a person) did with it."""
    state, at = ctx.state, ctx.created + randrange(US_PER_MINUTE // 2, 10 * US_PER_MINUTE)
    if state == "placed":
        details = f'{{"outcome":"placed","attempt":{ctx.attempts}}}'
        placed_at = ctx.tango_created + 500_000
        add(
            placed_at,
            "worker",
            "state_changed",
            "placing",
            "placed",
            f"Placed at Tango as {ctx.ref}",
            details,
        )
    elif state == "awaiting_approval":
        add(at, "staff", "state_changed", "draft", state, "Submitted for approval", actor=ctx.actor)
    elif state == "rejected":
        add(at, "staff", "state_changed", "awaiting_approval", state, "Rejected by the checker")
    elif state == "withdrawn":
        add(at, "staff", "state_changed", "queued", state, "Withdrawn", actor=ctx.actor)
    elif state == "held" and ctx.hold_reason == "insufficient_funds":
        details = '{"i18n_key":"402.001","status_code":402}'
        message = f"Insufficient funds: {ctx.error[1]}"
        add(at, "worker", "held", "placing", "held", message, details)
    elif state == "held":
        add(at, "staff", "held", "queued", "held", "Held by staff", actor=ctx.actor)
    elif state == "placement_failed":
        key, text = ctx.error
        details = f'{{"i18n_key":"{key}","status_code":{int(key[:3])}}}'
        add(at, "worker", "placement_failed", "placing", state, f"{key}: {text}", details)
    elif state == "placing":
        add(at, "worker", "placement_attempt", "queued", "placing", "Placement attempt 1")
    elif state == "queued" and ctx.attempts:
        add(at, "worker", "state_changed", "placing", "queued", "Tango unavailable (503); retrying")


def line_event(add, ctx: Any, candidate: tuple, rng, now: int) -> None:
    line_id, ref, status, email_status, delivery_status, reward_status = candidate
    base = ctx.completed or ctx.tango_created
    at = min(now, base + rng.randrange(US_PER_MINUTE, 20 * US_PER_DAY))
    event_id = f"{rng.getrandbits(128):032x}"
    if status in ("FAILED", "RETURNED"):
        old = "PENDING" if status == "FAILED" else "COMPLETE"
        field, label, new = "status", "line-item status", status
        source, note = "sync", ""
    elif email_status:
        field, label, old, new = "email_status", "email status", "SENT", email_status
        source, note = "sync", ""
    elif reward_status:
        field, label, old, new = "reward_status", "reward status", "ACTIVE", reward_status
        source, note = "webhook", f" (RewardStatus webhook: {REWARD_EVENTS[reward_status]})"
    else:
        old, webhook_status = DELIVERY_EVENTS.get(delivery_status, ("PENDING", "IN_PROGRESS"))
        field, label, new = "delivery_status", "delivery status", delivery_status
        source, note = "webhook", f" (LineItemDeliveryStatus webhook: {webhook_status})"
    details = f'{{"changes":{{"{field}":["{old}","{new}"]}}'
    details += f',"event_id":"{event_id}"}}' if source == "webhook" else "}"
    add(
        at,
        source,
        "line_item_changed",
        old,
        new,
        f"{ref}: {label} {old} → {new}{note}",
        details,
        line=line_id,
    )
