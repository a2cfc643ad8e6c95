"""FakeTango's GET /lineItems/reasonCodes (mixed into FakeTango; fake.py has no room left).

The default table is the simulator's (tango_sim/reference.py, what Tango's reference page
lists); a test sets `reason_codes_answer` to Tango-shaped JSON to change it (a code Tango adds,
an action without codes).
"""

from __future__ import annotations

from typing import Any

from tango.client import parse_reason_codes

_CHANGE = {
    "DELIVERY_INFO": "The recipient's delivery information is wrong",
    "REWARD_AMOUNT": "The reward amount is wrong",
    "REWARD_TYPE": "The reward type is wrong",
}
DEFAULT_REASON_CODES: dict[str, dict[str, str]] = {
    "FREEZE": {
        **_CHANGE,
        "VERIFY_ORDER": "The order needs to be verified",
        "FRAUD": "Possible or confirmed fraud",
        "OTHER": "Another reason, described in otherReason",
    },
    "UNFREEZE": {
        "DELIVERY_INFO": "The recipient's delivery information was verified",
        "REWARD_AMOUNT": "The reward amount was verified",
        "REWARD_TYPE": "The reward type was verified",
        "VERIFY_ORDER": "The order was verified",
        "FRAUD": "No fraud was found",
        "OTHER": "Another reason, described in otherReason",
    },
    "CANCEL": {
        **_CHANGE,
        "RECIPIENT": "The recipient is wrong",
        "CURRENCY": "The currency is wrong",
        "RECIPIENT_REQUESTED": "The recipient asked for a change",
        "RECIPIENT_OBLIGATIONS": "The recipient did not meet their obligations",
        "DUPLICATE": "The order is a duplicate",
        "FRAUD": "Possible or confirmed fraud",
        "OTHER": "Another reason, described in otherReason",
    },
    "CANCEL_AND_REISSUE": {
        **_CHANGE,
        "RECIPIENT": "The recipient is wrong",
        "CURRENCY": "The currency is wrong",
        "RECIPIENT_REQUESTED": "The recipient asked for a change",
        "OTHER": "Another reason, described in otherReason",
    },
}


class ReasonCodesMixin:
    """GET /lineItems/reasonCodes for FakeTango (its `_record` counts and fails the call)."""

    reason_codes_answer: dict[str, Any] | None = None

    def get_line_item_reason_codes(self) -> dict[str, dict[str, str]]:
        self._record("get_line_item_reason_codes")  # type: ignore[attr-defined]
        answer = self.reason_codes_answer
        return parse_reason_codes(DEFAULT_REASON_CODES if answer is None else answer)
