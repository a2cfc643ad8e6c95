"""FakeTango's POST /lineItems/{id}/reissue (TANGO_API.md §7.3), mixed into FakeTango.

Like the simulator (tango_sim/reissue.py), in one step: the original reward is cancelled and a
new order (source RA, same utid and account, amount / delivery method / recipient as asked,
merged over the original) is created, the two linked by ``reissuedTo/FromReferenceLineItemId``.
Refusals as Tango: 403.010 unless the line is COMPLETE and not cancelled, 403.022 after
5 reissues along the chain. Tests program it through FakeTango's ``errors["reissue_line_item"]``
and ``lose_next_reissue`` (the reissue happens, then its answer times out).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tango.errors import TangoReissueLimit, TangoRewardStatusRefused, TangoUnavailable
from tango.types import ReissueResult, TangoOrder

from .payloads import tango_line_json

MAX_REISSUES = 5
RECIPIENT_KEYS = {
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "mobile_number": "mobileNumber",
}


class ReissueFake:
    """The reissue endpoint of FakeTango (which provides add, _record, _line, lines)."""

    lose_next_reissue: bool = False

    def reissue_line_item(
        self,
        reference_line_item_id: str,
        *,
        reason_code: str,
        other_reason: str | None = None,
        amount: Decimal | int | str | None = None,
        delivery_method: str | None = None,
        recipient: Mapping[str, str] | None = None,
        notes: str | None = None,
    ) -> ReissueResult:
        fake: Any = self
        fake._record(
            "reissue_line_item",
            reference_line_item_id=reference_line_item_id,
            reason_code=reason_code,
            other_reason=other_reason,
            amount=amount,
            delivery_method=delivery_method,
            recipient=dict(recipient or {}),
            notes=notes,
        )
        line = fake._line(reference_line_item_id)
        if line.get("status") != "COMPLETE" or line.get("rewardStatus") == "CANCELLED":
            raise TangoRewardStatusRefused(
                f"Cannot reissue reward with status {line.get('rewardStatus') or line['status']}",
                status_code=403,
                i18n_key="403.010",
            )
        count = int(line.get("reissueCount") or 0)
        if count >= MAX_REISSUES:
            raise TangoReissueLimit(
                f"A reward can be reissued at most {MAX_REISSUES} times",
                status_code=403,
                i18n_key="403.022",
            )
        original = fake.orders.get(line["referenceOrderID"], {})
        value = (
            Decimal(str(amount))
            if amount is not None
            else Decimal(str(line["amountIssued"]["value"]))
        )
        ref = f"RA260101-R{len(fake.orders) + 1}-11"
        order = fake.add(
            ref,
            with_line=False,
            created=datetime.now(UTC),
            amount=str(value),
            account=line.get("accountIdentifier")
            or original.get("accountIdentifier", "acme-usd-01"),
            customer=original.get("customerIdentifier", "acme-main"),
        )
        merged = dict(line.get("recipient") or original.get("recipient") or {})
        for key, name in RECIPIENT_KEYS.items():
            if recipient and recipient.get(key):
                merged[name] = recipient[key]
        method = delivery_method or line.get("deliveryMethod") or "EMAIL"
        new_ref = f"{ref}-1"
        order.update(
            utid=line.get("utid"),
            deliveryMethod=method,
            recipient=merged,
            referenceLineItemID=new_ref,
            notes=notes or original.get("notes"),
        )
        fake.lines[new_ref] = tango_line_json(
            order,
            utid=line.get("utid"),
            deliveryMethod=method,
            recipient=merged,
            reissueCount=count + 1,
            reissuedFromReferenceLineItemId=reference_line_item_id,
        )
        line.update(
            status="CANCELLED",
            rewardStatus="CANCELLED",
            canCancel=False,
            canFreeze=False,
            reissuedToReferenceLineItemId=new_ref,
        )
        if self.lose_next_reissue:
            self.lose_next_reissue = False
            raise TangoUnavailable("timeout after the reissue was made", path="/lineItems")
        return ReissueResult(
            order=TangoOrder.from_json(order), reissued_from=reference_line_item_id
        )
