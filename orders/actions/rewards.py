"""Staff actions on an issued reward: reveal its credential, cancel, freeze or unfreeze it.

Credentials are never stored: a reveal fetches them from Tango (GET /orders/{id}, or
GET /lineItems/{id} for multi-line orders), writes the audit and timeline rows, and hands them
to the view for one response. Cancel/freeze/unfreeze (TANGO_API.md §7.3) only exist for Choice
products within the program's window, which Tango states per line item (canCancel / canFreeze);
the reasons are Tango's (GET /lineItems/reasonCodes, cached). Tango answers 202, so we re-read
the line item to show the effect. No transaction is open while Tango is called.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders import events
from orders.models import LineItem
from orders.statuses import LineItemStatus, RewardStatus
from tango.client import get_client
from tango.errors import TangoError
from tango.types import Reward

logger = logging.getLogger(__name__)

LINE_ITEM_ACTIONS = ("cancel", "freeze", "unfreeze")
AUDIT_ACTIONS = {
    "cancel": AuditAction.LINE_ITEM_CANCEL,
    "freeze": AuditAction.LINE_ITEM_FREEZE,
    "unfreeze": AuditAction.LINE_ITEM_UNFREEZE,
}
# Tango's reason codes (GET /lineItems/reasonCodes) change rarely: read them at most this often.
REASON_CODES_CACHE_KEY = "tango:line-item-reason-codes"
REASON_CODES_CACHE_SECONDS = 6 * 3600


def reason_codes(action: str) -> dict[str, str]:
    """Tango's reason codes for `action` ({code: description}), cached for 6 hours; empty if
    Tango cannot be reached and none are cached (the form then offers none, the action waits)."""
    tables = cache.get(REASON_CODES_CACHE_KEY)
    if tables is None:
        try:
            tables = get_client().get_line_item_reason_codes()
        except TangoError as exc:
            logger.warning("reason codes: GET /lineItems/reasonCodes failed: %s", exc)
            cache.set(REASON_CODES_CACHE_KEY, {}, 60)  # one try a minute, not one per form
            return {}
        cache.set(REASON_CODES_CACHE_KEY, tables, REASON_CODES_CACHE_SECONDS)
    return dict(tables.get(action) or {})


def line_item_action_blocker(line_item: LineItem, action: str) -> str | None:
    """Why `action` is not possible now, or None. Tango decides the window (5 days unless the
    program customised it): its canCancel / canFreeze flags, stored by the line-item sync and
    re-read after every action, are the rule; no day count of ours."""
    if action not in LINE_ITEM_ACTIONS:
        return "Unknown action."
    if not line_item.reference_line_item_id:
        return "The reward has not been issued by Tango yet."
    if line_item.reward_status == RewardStatus.CANCELLED or (
        line_item.status == LineItemStatus.CANCELLED
    ):
        return "The reward is already cancelled."
    if action == "unfreeze":
        return None if line_item.reward_status == RewardStatus.FROZEN else "It is not frozen."
    if line_item.status != LineItemStatus.COMPLETE:
        return "Only issued (COMPLETE) rewards can be changed."
    catalog = line_item.catalog_item
    if catalog is not None and not catalog.is_choice_product:
        return "Tango only allows this for Choice products such as Reward Link."
    if action == "freeze" and line_item.reward_status == RewardStatus.FROZEN:
        return "It is already frozen."
    allowed = line_item.can_cancel if action == "cancel" else line_item.can_freeze
    if allowed is None:
        return (
            f"Tango has not said yet whether it allows a {action}: the order is re-read from "
            "Tango right after placement (Refresh from Tango if this stays)."
        )
    if not allowed:
        return (
            f"Tango does not allow a {action} for this reward now (its window may have closed, "
            "or it was redeemed)."
        )
    return None


def reveal_blocker(line_item: LineItem) -> str | None:
    if not line_item.order.reference_order_id:
        return "The order has not been placed at Tango yet."
    if line_item.status != LineItemStatus.COMPLETE:
        return "Only issued (COMPLETE) rewards have credentials."
    return None


def reveal_credential(*, line_item_id: int, actor: Actor, reason: str) -> Reward:
    """Fetch the reward (credentials + instructions) from Tango; audited, never stored."""
    line_item = LineItem.objects.select_related("order").get(pk=line_item_id)
    blocker = reveal_blocker(line_item)
    if blocker:
        raise ActionNotAllowed(blocker)
    if not reason.strip():
        raise ActionNotAllowed("Give a reason for revealing the credential.")
    client = get_client()
    multi_line = (
        line_item.line_number > 1
        or LineItem.objects.filter(order_id=line_item.order_id).exclude(pk=line_item.pk).exists()
    )
    if multi_line and line_item.reference_line_item_id:
        reward = client.get_line_item(line_item.reference_line_item_id).reward
    else:
        reward = client.get_order(line_item.order.reference_order_id).reward
    if reward is None or not reward.credentials:
        raise ActionNotAllowed("Tango returned no credentials for this reward.")
    with transaction.atomic():
        events.credential_revealed(line_item=line_item, actor=actor, reason=reason)
        record(
            actor=actor,
            action=AuditAction.CREDENTIAL_REVEAL,
            obj=line_item,
            after={"labels": [c.label for c in reward.credentials]},
            reason=reason,
        )
    return reward


def perform_line_item_action(
    *,
    line_item_id: int,
    action: str,
    reason_code: str,
    other_reason: str,
    actor: Actor,
) -> LineItem:
    """Cancel, freeze or unfreeze a reward at Tango, then store what Tango now says about it."""
    line_item = LineItem.objects.select_related("order", "catalog_item").get(pk=line_item_id)
    blocker = line_item_action_blocker(line_item, action)
    if blocker:
        raise ActionNotAllowed(blocker)
    codes = reason_codes(action)
    if reason_code not in codes:
        raise ActionNotAllowed("Choose one of Tango's reasons.")
    if reason_code == "OTHER" and not other_reason.strip():
        raise ActionNotAllowed("Describe the reason when choosing Other.")
    client = get_client()
    method = getattr(client, f"{action}_line_item")
    method(line_item.reference_line_item_id, reason_code=reason_code, other_reason=other_reason)
    before = {
        "status": line_item.status,
        "reward_status": line_item.reward_status,
        "can_cancel": line_item.can_cancel,
        "can_freeze": line_item.can_freeze,
    }
    try:  # 202 means accepted; the line item tells us whether it has already taken effect
        fresh = client.get_line_item(line_item.reference_line_item_id)
    except TangoError:
        fresh = None
    if fresh is not None:
        line_item.status = fresh.status or line_item.status
        line_item.reward_status = fresh.reward_status or line_item.reward_status
        line_item.can_cancel = fresh.can_cancel
        line_item.can_freeze = fresh.can_freeze
    after = {key: getattr(line_item, key) for key in before}
    with transaction.atomic():
        if fresh is not None:
            line_item.save(update_fields=[*before, "updated_at"])
        events.line_item_action_accepted(
            line_item=line_item,
            actor=actor,
            action=action,
            reason_code=reason_code,
            reason_label=codes[reason_code],
            other_reason=other_reason,
            old_status=before["reward_status"],
            new_status=after["reward_status"],
        )
        record(
            actor=actor,
            action=AUDIT_ACTIONS[action],
            obj=line_item,
            before=before,
            after=after,
            reason=f"{reason_code}: {other_reason}" if other_reason else reason_code,
        )
    return line_item
