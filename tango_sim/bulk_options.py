"""Validation of the ``POST /__sim/bulk/orders`` body (see bulk.py for the fields)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from .errors import ApiError, FieldError, field_errors
from .records import ORDER_STATUSES
from .store import DAY, parse_iso
from .validation import plain

if TYPE_CHECKING:
    from .app import Simulator

MAX_COUNT = 200_000
DEFAULT_MIX = {
    "COMPLETE": 86.0,
    "FAILED": 4.0,
    "CANCELLED": 2.0,
    "PARTIAL": 2.0,
    "PENDING": 2.0,
    "PENDING_MR": 1.0,
    "ON_HOLD": 1.0,
    "QUEUED": 0.5,
    "PENDING_KYB": 0.5,
    "PENDING_PAYMENT": 0.5,
    "DELETED": 0.5,
}


def _bad(message: str, path: str, value: Any = None) -> ApiError:
    return field_errors([FieldError(path, "400.001", message, plain(value))])


def parse_options(sim: Simulator, body: dict[str, Any]) -> dict[str, Any]:
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise _bad(f"'count' must be an integer from 1 to {MAX_COUNT}", "count", count)
    now = sim.store.now_us()
    try:
        end = parse_iso(str(body["end"]), end_of_day=True) if body.get("end") else now
        start = parse_iso(str(body["start"])) if body.get("start") else end - 90 * DAY
    except ValueError as exc:
        raise _bad("start / end must be RFC 3339 dates or date-times", "start") from exc
    end = min(end, now)
    if start > end:
        raise _bad("start must be before end (and not in the future)", "start", body.get("start"))
    rows = sim.store.all("SELECT * FROM accounts WHERE status = 'ACTIVE' ORDER BY identifier")
    active = {row["identifier"]: dict(row) for row in rows}
    wanted = body.get("accounts") or sorted(active)
    if not isinstance(wanted, list) or any(a not in active for a in wanted):
        raise _bad("'accounts' must list ACTIVE account identifiers", "accounts", wanted)
    mix = body.get("mix") or DEFAULT_MIX
    if (
        not isinstance(mix, dict)
        or any(k not in ORDER_STATUSES for k in mix)
        or any(isinstance(w, bool) or not isinstance(w, int | float) or w < 0 for w in mix.values())
        or not sum(float(w) for w in mix.values()) > 0
    ):
        raise _bad("'mix' maps order statuses to weights >= 0", "mix", mix)
    share = body.get("asyncShare", 0.05)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise _bad("'asyncShare' must be between 0 and 1", "asyncShare", share)
    if body.get("spread", "random") not in ("random", "even"):
        raise _bad("'spread' is random or even", "spread", body.get("spread"))
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise _bad("'seed' must be an integer", "seed", seed)
    batch = sim.store.next_counter("bulk_batch", 1)
    prefix = body.get("externalRefPrefix") or f"bulk{batch}-"
    if (
        not isinstance(prefix, str)
        or len(prefix) > 80
        or sim.store.scalar(
            "SELECT 1 FROM orders WHERE substr(external_ref, 1, ?) = ? LIMIT 1",
            (len(prefix), prefix),
        )
    ):
        raise _bad("'externalRefPrefix' must be a new string of at most 80", "externalRefPrefix")
    return {
        "count": count,
        "start": start,
        "end": end,
        "now": now,
        "even": body.get("spread") == "even",
        "rng": random.Random(batch if seed is None else seed),
        "accounts": [active[a] for a in wanted],
        "mix": (list(mix), [float(w) for w in mix.values()]),
        "share": float(share),
        "prefix": prefix,
        "batch": batch,
        "debit": body.get("debit") is True,
    }
