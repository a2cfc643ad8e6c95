"""Reference data endpoints: GET /lineItems/reasonCodes (§7.5), GET /asyncOrders/reasonCodes
and GET /exchangerates (§14.3).

The reason codes are the ones the action endpoints accept (lineitems.REASON_CODES,
reissue.REISSUE_REASON_CODES), so a client that reads them never sends a code the simulator
refuses. Exchange rates are the simulator's fixed rates (seed.EXCHANGE_RATES), i.e. exactly what
``amountCharged.exchangeRate`` shows on a cross-currency order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors as E
from .errors import FieldError, field_errors
from .lineitems import REASON_CODES
from .reissue import REISSUE_REASON_CODES
from .seed import EXCHANGE_RATES, SEED_EPOCH_US
from .store import iso

if TYPE_CHECKING:
    from .app import Simulator

Query = dict[str, list[str]]

# Descriptions paraphrase Tango's "Get all reason codes" page.
ACTION_DESCRIPTIONS: dict[str, str] = {
    "DELIVERY_INFO": "The recipient's delivery information is wrong",
    "REWARD_AMOUNT": "The reward amount is wrong",
    "REWARD_TYPE": "The reward type is wrong",
    "RECIPIENT": "The recipient is wrong",
    "CURRENCY": "The currency is wrong",
    "RECIPIENT_REQUESTED": "The recipient asked for a change",
    "RECIPIENT_OBLIGATIONS": "The recipient did not meet their obligations",
    "DUPLICATE": "The order is a duplicate",
    "FRAUD": "Possible or confirmed fraud",
    "VERIFY_ORDER": "The order needs to be verified",
    "OTHER": "Another reason, described in otherReason",
}
UNFREEZE_DESCRIPTIONS: dict[str, str] = {
    "DELIVERY_INFO": "The recipient's delivery information was verified",
    "REWARD_AMOUNT": "The reward amount was verified",
    "REWARD_TYPE": "The reward type was verified",
    "VERIFY_ORDER": "The order was verified",
    "FRAUD": "No fraud was found",
    "OTHER": "Another reason, described in otherReason",
}


def _table(codes: tuple[str, ...], descriptions: dict[str, str]) -> dict[str, str]:
    return {code: descriptions.get(code, code.replace("_", " ").capitalize()) for code in codes}


def line_item_reason_codes() -> dict[str, dict[str, str]]:
    """GET /lineItems/reasonCodes: {"FREEZE": {code: description}, "UNFREEZE", "CANCEL",
    "CANCEL_AND_REISSUE"}."""
    return {
        "FREEZE": _table(REASON_CODES["freeze"], ACTION_DESCRIPTIONS),
        "UNFREEZE": _table(REASON_CODES["unfreeze"], UNFREEZE_DESCRIPTIONS),
        "CANCEL": _table(REASON_CODES["cancel"], ACTION_DESCRIPTIONS),
        "CANCEL_AND_REISSUE": _table(REISSUE_REASON_CODES, ACTION_DESCRIPTIONS),
    }


def async_reason_codes() -> dict[str, Any]:
    """GET /asyncOrders/reasonCodes: {"reasonCodes": {action: {code: description}}} for the
    async bulk actions (CANCEL, FREEZE, UNFREEZE; REISSUE as in the reference's example)."""
    codes = line_item_reason_codes()
    return {
        "reasonCodes": {
            "FREEZE": codes["FREEZE"],
            "UNFREEZE": codes["UNFREEZE"],
            "CANCEL": codes["CANCEL"],
            "REISSUE": codes["CANCEL_AND_REISSUE"],
        }
    }


def _currencies(query: Query, name: str) -> set[str]:
    return {part.strip().upper() for v in query.get(name, []) for part in v.split(",") if part}


def exchange_rates(sim: Simulator, query: Query) -> dict[str, Any]:
    """GET /exchangerates. ``rewardCurrency`` is the currency of the reward, ``baseCurrency``
    the account's; ``baseFx`` is what one unit of reward currency costs in base currency."""
    rewards, bases = _currencies(query, "rewardCurrency"), _currencies(query, "baseCurrency")
    rates = [
        {
            "rewardCurrency": reward,
            "baseCurrency": base,
            "baseFx": rate,
            "lastModifiedDate": iso(SEED_EPOCH_US),
        }
        for (reward, base), rate in sorted(EXCHANGE_RATES.items())
        if reward != base and (not rewards or reward in rewards) and (not bases or base in bases)
    ]
    paginate = (query.get("paginate") or ["false"])[0].lower() == "true"
    limit = len(rates)
    offset = 0
    if paginate:
        try:
            limit = int((query.get("maxResults") or ["10"])[0])
            offset = int((query.get("nextCursor") or query.get("prevCursor") or ["0"])[0] or 0)
        except ValueError as exc:
            raise field_errors(
                [FieldError("maxResults", E.FIELD_TYPE, "must be an integer", None, "Type")]
            ) from exc
        limit = max(1, min(limit, 200))
    page = rates[offset : offset + limit]
    more = offset + limit < len(rates)
    return {
        "disclaimer": "Simulated fixed rates; they never change.",
        "exchangeRates": page,
        "prevCursor": str(max(0, offset - limit)) if paginate and offset else None,
        "nextCursor": str(offset + limit) if paginate and more else None,
        "prevPageAvailable": paginate and offset > 0,
        "nextPageAvailable": paginate and more,
        "maxResults": limit,
    }
