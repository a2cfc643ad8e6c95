"""Line items of one order: statuses consistent with the order's, recipients from a shared pool.

Recipient ``r`` of the pool is a pure function of r (first x last names x a counter), and r
is drawn with heavy reuse (the product of two uniforms: the first 1 % of the pool receives
about 5.6 % of the rewards), so the same names and emails come back across orders; a bulk
order walks the pool with a stride, so its recipients are distinct.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

from bench.datagen import vocab
from bench.datagen.text import NULL, US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, esc, money, ts

KNOWN_FIELDS = (
    "id", "order_id", "reference_line_item_id", "external_ref_line_item_id", "line_number",
    "catalog_item_id", "utid", "reward_name", "amount", "currency", "denomination_value",
    "denomination_currency", "amount_charged_total", "status", "delivery_method",
    "email_status", "delivery_status", "reward_status", "can_cancel", "can_freeze",
    "date_issued", "errors", "recipient_first_name", "recipient_last_name", "recipient_email",
    "recipient_mobile", "address_company", "address_street1", "address_street2",
    "address_city", "address_state", "address_postal_code", "address_country", "resend_count",
    "last_resent_at", "resend_requested_at", "updated_at",
)  # fmt: skip

METHOD_WEIGHTS = {
    "EMAIL": 80.0,
    "PHONE": 4.0,
    "EMBEDDED": 7.0,
    "NONE": 6.0,
    "EMBEDDED_COMPONENT": 1.0,
    "WHATSAPP": 0.7,
    "QRCODE": 0.7,
    "ADDRESS": 1.0,
}
METHOD_WEIGHTS_BULK = {**METHOD_WEIGHTS, "BULKDIGITAL": 4.0, "BULKSHIPMENT": 1.0}
PHYSICAL = frozenset({"ADDRESS", "BULKSHIPMENT"})
OPEN_STATUSES = frozenset(
    {"PENDING", "QUEUED", "PENDING_MR", "ON_HOLD", "PENDING_KYB", "PENDING_PAYMENT"}
)
DENOMS = (500, 1000, 1500, 2000, 2500, 3000, 5000, 7500, 10000, 15000, 20000, 25000, 50000)
_DENOM_CUM = [0.0]
for _w in (3, 10, 4, 10, 18, 3, 20, 5, 14, 2, 4, 2, 2):
    _DENOM_CUM.append(_DENOM_CUM[-1] + _w)
del _DENOM_CUM[0]
EMAIL_STATUSES = (
    ("DELIVERED", 0.86),
    ("SENT", 0.06),
    ("BOUNCE", 0.03),
    ("NOT_DELIVERED", 0.013),
    ("PENDING", 0.012),
    ("DROPPED", 0.01),
    ("DEFERRED", 0.008),
    ("BLOCKED", 0.007),
)
UNDELIVERED = frozenset({"BOUNCE", "NOT_DELIVERED", "DROPPED", "BLOCKED"})
_FIRST = [name.lower() for name in vocab.FIRST_NAMES]
_LAST = [name.lower() for name in vocab.LAST_NAMES]
NF, NL, ND = len(_FIRST), len(_LAST), len(vocab.EMAIL_DOMAINS)


NAMES = NF * NL
# A multiplier coprime with NAMES: position -> (first, last) is a bijection that scatters
# names, so the most frequent recipients are not all called Smith.
SCATTER = next(a for a in range(7919, 10**6, 2) if math.gcd(a, NAMES) == 1)


def recipient(cache: dict, r: int) -> tuple[str, str, str]:
    """Recipient r of the pool: names repeat every NAMES recipients, with another email."""
    found = cache.get(r)
    if found is None:
        cycle, position = divmod(r, NAMES)
        p = (position * SCATTER + 12345) % NAMES
        fi, li = p % NF, p // NF
        domain = vocab.EMAIL_DOMAINS[((r * 2654435761) >> 9) % ND]
        local = f"{_FIRST[fi]}.{_LAST[li]}{cycle or ''}"
        if r % 23 == 0:  # some people type their address capitalised
            local = f"{vocab.FIRST_NAMES[fi]}.{vocab.LAST_NAMES[li]}{cycle or ''}"
        found = cache[r] = (vocab.FIRST_NAMES[fi], vocab.LAST_NAMES[li], f"{local}@{domain}")
    return found


def amount_for(rand, randrange, item: tuple) -> int:
    face, low, high = item[4], item[5], item[6]
    if face:
        return face
    if rand() < 0.08:
        cents = randrange(low, max(low, min(high, 30000)) + 1)
    else:
        cents = DENOMS[min(bisect.bisect(_DENOM_CUM, rand() * _DENOM_CUM[-1]), len(DENOMS) - 1)]
    return min(max(cents, low), high)


def fee_for(item: tuple, charged: int) -> int:
    if item[10] == "PERCENTAGE":
        return round(charged * item[11] / 100)
    if item[10] == "FIXED":
        return round(item[11] * 100)
    return 0


def line_statuses(rng, status: str, n: int) -> list[str]:
    if status == "PARTIAL":
        fail = rng.uniform(0.05, 0.6)
        rand = rng.random
        out = [
            "FAILED" if rand() < fail else ("CANCELLED" if rand() < 0.03 else "COMPLETE")
            for _ in range(n)
        ]
        if "COMPLETE" not in out:
            out[0] = "COMPLETE"
        if "FAILED" not in out:
            out[-1] = "FAILED"
        return out
    if status in OPEN_STATUSES:
        return ["PENDING"] * n
    if status == "":
        return [""] * n
    return [status] * n  # COMPLETE, FAILED, CANCELLED, DELETED (RETURNED: see below)


def make_lines(gen: Any, ctx: Any, n: int):
    """(rows, amount, charged, fee, line-event candidates) of the order in ``ctx``."""
    rng, now = gen.rng, gen.now
    rand, randrange = rng.random, rng.randrange
    placed = ctx.state == "placed"
    items = [ctx.item]
    if ctx.bulk and rand() < 0.3:
        physical = ctx.item[9]
        extra = [gen.item(ctx.currency) for _ in range(rng.randint(1, 3))]
        items += [it for it in extra if it[9] == physical]
    same_amount = amount_for(rand, randrange, ctx.item) if rand() < 0.7 else None
    statuses = line_statuses(rng, ctx.status, n)
    issued = ctx.completed or ctx.tango_created
    age_days = (now - ctx.created) / US_PER_DAY
    physical_method = ctx.method in PHYSICAL
    stride, start = rng.randrange(1, 9973, 2), randrange(gen.pool)
    ext = ctx.ext if ctx.bulk and ctx.console else ""
    company = ctx.account[6].split(".")[0].title()
    rows, candidates = [], []
    total = charged_total = fee_total = 0
    for j in range(n):
        line_id = gen.next_line_id
        gen.next_line_id += 1
        item = items[0] if len(items) == 1 else items[randrange(len(items))]
        cents = same_amount if same_amount is not None and item is ctx.item else None
        cents = cents or amount_for(rand, randrange, item)
        charged = round(cents * ctx.rate)
        fee = fee_for(item, charged)
        total += cents
        charged_total += charged
        fee_total += fee
        status = statuses[j]
        returned = (physical_method and rand() < 0.04) or rand() < 0.0005
        if status == "COMPLETE" and age_days > 5 and returned:
            status = "RETURNED"
        r = (start + j * stride) % gen.pool if ctx.bulk else int(gen.pool * rand() * rand())
        first, last, email = recipient(gen.recipients, r)
        ref = f"{ctx.ref}-{j + 1}" if placed and (not ctx.bulk or rand() < 0.999) else None
        email_status = delivery_status = reward_status = ""
        can_cancel = can_freeze = False
        errors = "[]"
        last_resent = None
        resends = 0
        if status == "COMPLETE":
            if ctx.method == "EMAIL":
                email_status = pick(rand(), EMAIL_STATUSES)
                if ctx.created > now - 10 * US_PER_MINUTE and rand() < 0.5:
                    email_status = "SENT"
                if rand() < (0.4 if email_status in UNDELIVERED else 0.008):
                    resends = 1 if rand() < 0.8 else 2
                    last_resent = min(now, issued + randrange(US_PER_HOUR, 9 * US_PER_DAY))
            if physical_method:
                delivery_status = physical_delivery(rand(), age_days)
            elif email_status in UNDELIVERED:
                delivery_status = "FAILED"
            else:
                delivery_status = "ENGAGED" if rand() < 0.25 else "DELIVERED"
            reward_status = reward_state(rand(), age_days, item[8])
            if item[8] and reward_status in ("ACTIVE", "FROZEN"):
                can_freeze = True
                can_cancel = age_days < 5
        elif status == "PENDING":
            if ctx.method == "EMAIL" and rand() < 0.5:
                email_status = "PENDING"
            delivery_status = "PENDING" if rand() < 0.6 else ""
        elif status == "FAILED":
            code, text = vocab.LINE_ERRORS[randrange(len(vocab.LINE_ERRORS))]
            errors = f'[{{"code":"{code}","message":"{text}"}}]'
            delivery_status = "FAILED" if rand() < 0.5 else ""
        elif status == "RETURNED":
            delivery_status = "FAILED"
        if ref and (status in ("FAILED", "RETURNED") or email_status in UNDELIVERED):
            candidates.append((line_id, ref, status, email_status, delivery_status, ""))
        elif ref and reward_status in ("REDEEMED", "PARTIALLY_REDEEMED", "FROZEN", "CANCELLED"):
            candidates.append((line_id, ref, status, email_status, delivery_status, reward_status))
        elif ref and physical_method and delivery_status in ("DISPATCHED", "DELIVERED"):
            candidates.append((line_id, ref, status, email_status, delivery_status, ""))
        mobile = f"+1555{r % 10_000_000:07d}" if ctx.method in ("PHONE", "WHATSAPP") else ""
        if physical_method:
            city = vocab.CITIES[r % len(vocab.CITIES)]
            street = f"{100 + r % 9000} {vocab.STREETS[r % len(vocab.STREETS)]}"
            address = (company if ctx.method == "BULKSHIPMENT" else "", street, "", *city)
        else:
            address = ("", "", "", "", "", "", "")
        updated = max(x for x in (ctx.synced, ctx.completed, ctx.created, last_resent) if x)
        rows.append(
            (
                str(line_id),
                str(ctx.order_id),
                ref or NULL,
                f"{ext}-{j + 1}" if ext else "",
                str(j + 1),
                str(item[0]),
                item[1],
                esc(item[2]),
                money(cents),
                item[3],
                money(cents) if placed else NULL,
                item[3] if placed else "",
                money(charged + fee) if placed else NULL,
                status,
                ctx.method,
                email_status,
                delivery_status,
                reward_status,
                "t" if can_cancel else "f",
                "t" if can_freeze else "f",
                ts(issued) if status in ("COMPLETE", "RETURNED") else NULL,
                errors,
                first,
                last,
                email,
                mobile,
                *address,
                str(resends),
                ts(last_resent),
                NULL,
                ts(updated),
            )
        )
    return rows, total, charged_total, fee_total, candidates


def pick(r: float, table) -> str:
    for value, p in table:
        if r < p:
            return value
        r -= p
    return table[0][0]


def physical_delivery(r: float, age_days: float) -> str:
    if age_days < 2:
        return "PROCESSING"
    if age_days < 7:
        return "DISPATCHED" if r < 0.8 else "PROCESSING"
    if r < 0.93:
        return "DELIVERED"
    return "FAILED" if r < 0.96 else "DISPATCHED"


def reward_state(r: float, age_days: float, choice: bool) -> str:
    redeemed = min(0.55, age_days / 400)
    for status, p in (
        ("REDEEMED", redeemed),
        ("PARTIALLY_REDEEMED", 0.07 if age_days > 1 else 0.0),
        ("EXPIRED", 0.06 if age_days > 365 and not choice else 0.0),
        ("FROZEN", 0.008),
        ("CANCELLED", 0.012 if choice else 0.0),
    ):
        if r < p:
            return status
        r -= p
    return "ACTIVE"
