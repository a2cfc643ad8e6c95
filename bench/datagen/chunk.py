"""Orders of one chunk, in a worker process (no Django): COPY text for the three big tables.

``generate_chunk(task)`` makes the chunk's orders here, their line items (lines.py) and
timeline rows (events.py) and returns the COPY text of each table with row counts and the
seconds spent per table. Everything is drawn from ``random.Random(f"{seed}:chunk:{k}")`` and
the inputs in ``task``, so a chunk's rows never depend on which worker made them.
"""

from __future__ import annotations

import bisect
import math
import time
from dataclasses import dataclass
from random import Random
from typing import Any

from bench.datagen import events, lines, mix, vocab
from bench.datagen.copyplan import line_formatter
from bench.datagen.text import (
    NULL,
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    US_PER_SECOND,
    esc,
    money,
    ts,
)

KNOWN_FIELDS = (
    "id", "external_ref_id", "reference_order_id", "customer_id", "account_id", "amount",
    "currency", "amount_charged_value", "amount_charged_fee", "amount_charged_total",
    "amount_charged_currency", "exchange_rate", "tango_status", "state", "hold_reason",
    "hold_note", "placement_error_key", "placement_error", "placement_attempts",
    "placing_since", "placed_at", "delivery_method", "order_source", "is_bulk",
    "sender_first_name", "sender_last_name", "sender_email", "email_subject", "message", "etid",
    "campaign", "notes", "purchase_order_number", "tango_created_at", "last_synced_at",
    "created_by_id", "created_at", "updated_at", "line_statuses",
)  # fmt: skip
_LINE_STATUS = lines.KNOWN_FIELDS.index("status")

FINAL = mix.FINAL
_CAMPAIGN_CUM = [sum(1 / (r + 1) for r in range(i + 1)) for i in range(len(vocab.CAMPAIGNS))]
_STATE = {}  # set by init_worker


def init_worker(spec: dict[str, Any]) -> None:
    """Pool initializer: reference data, COPY plans and run parameters (plain data)."""
    _STATE.clear()
    _STATE.update(spec)
    _STATE["formatters"] = {name: line_formatter(s) for name, s in spec["plans"].items()}


@dataclass
class OrderCtx:
    """What the line-item and timeline generators need to know about one order."""

    order_id: int
    index: int
    ref: str | None
    ext: str
    bulk: bool
    console: bool
    state: str
    status: str
    created: int
    tango_created: int | None
    completed: int | None
    synced: int | None
    account: tuple
    currency: str
    method: str
    item: tuple
    rate: float
    actor: int | None
    attempts: int
    stuck: bool
    source: str = ""
    n_lines: int = 1
    hold_reason: str = ""
    error: tuple[str, str] | None = None


class ChunkGen:
    def __init__(self, k: int, state: dict[str, Any]) -> None:
        self.rng = Random(f"{state['seed']}:chunk:{k}")
        self.ref = state["ref"]
        self.now = state["now_us"]
        self.pool = state["recipient_pool"]
        self.ext_prefix = self.ref["ext_prefix"]
        self.acc_total = self.ref["account_cum"][-1]
        self.bulk_total = self.ref["bulk_account_cum"][-1]
        self.method_cache: dict[tuple, tuple[list[str], list[float]]] = {}
        self.recipients: dict[int, tuple[str, str, str]] = {}

    # --- picks ---------------------------------------------------------------------------
    def account(self, bulk: bool) -> tuple:
        ref, rand = self.ref, self.rng.random
        if bulk:
            j = bisect.bisect(ref["bulk_account_cum"], rand() * self.bulk_total)
            return ref["accounts"][ref["bulk_accounts"][min(j, len(ref["bulk_accounts"]) - 1)]]
        j = bisect.bisect(ref["account_cum"], rand() * self.acc_total)
        return ref["accounts"][min(j, len(ref["accounts"]) - 1)]

    def reward_currency(self, account_currency: str) -> str:
        r = self.rng.random()
        if account_currency == "USD":
            return "EUR" if r < 0.015 else "USD"
        return "USD" if r < 0.10 else account_currency

    def item(self, currency: str) -> tuple:
        cum = self.ref["item_cum"][currency]
        j = bisect.bisect(cum, self.rng.random() * cum[-1])
        return self.ref["items"][currency][min(j, len(cum) - 1)]

    def method(self, item: tuple, bulk: bool) -> str:
        key = (item[0], bulk)
        cached = self.method_cache.get(key)
        if cached is None:
            weights = lines.METHOD_WEIGHTS_BULK if bulk else lines.METHOD_WEIGHTS
            names = [m for m in item[7] if m in weights]
            if not item[9]:
                names.append("NONE")
            cum, total = [], 0.0
            for name in names:
                total += weights.get(name, 0.5)
                cum.append(total)
            cached = self.method_cache[key] = (names, cum)
        names, cum = cached
        j = bisect.bisect(cum, self.rng.random() * cum[-1])
        return names[min(j, len(names) - 1)]

    def rate(self, reward: str, account: str, day: int) -> float:
        if reward == account:
            return 1.0
        usd = self.ref["usd_value"]

        def drift(cur: str) -> float:
            return 1.0 if cur == "USD" else 1 + 0.04 * math.sin(day / 58.0 + len(cur) + ord(cur[0]))

        return round(usd[reward] * drift(reward) / (usd[account] * drift(account)), 6)

    # --- one order -------------------------------------------------------------------------
    def order(self, i: int, order_id: int, created: int, n_lines: int, forced) -> tuple:
        rng = self.rng
        rand = rng.random
        now = self.now
        bulk = n_lines > 1
        account = self.account(bulk)
        currency = self.reward_currency(account[2])
        item = self.item(currency)
        method = self.method(item, bulk)
        if bulk:
            source = "AA"
            console = rand() < 0.7
        else:
            source = mix.order_source(rand())
            console = source == "RA" and rand() < 0.55
        age = now - created
        if forced is not None:
            state, status = forced.state, forced.status
            console = console or state != "placed"
            if state != "placed" and not bulk:
                source = "RA"
        else:
            state = mix.placement_state(rand(), age, bulk) if console else "placed"
            status = mix.tango_status(rand(), age, bulk) if state == "placed" else ""
        stuck = forced is not None and forced.stuck
        actor = rng.choice(self.ref["staff"]) if console else None
        ctx = OrderCtx(
            order_id=order_id,
            index=i,
            ref=None,
            ext="",
            bulk=bulk,
            console=console,
            state=state,
            status=status,
            created=created,
            tango_created=None,
            completed=None,
            synced=None,
            account=account,
            currency=currency,
            method=method,
            item=item,
            rate=self.rate(currency, account[2], created // US_PER_DAY),
            actor=actor,
            attempts=0,
            stuck=stuck,
            source=source,
            n_lines=n_lines,
        )
        self.timing(ctx, source)
        seq = 10_000 + i
        if state == "placed":
            day = ts(ctx.tango_created)
            ctx.ref = f"{source}{day[2:4]}{day[5:7]}{day[8:10]}-{seq}-{(seq * 37 + 11) % 90 + 10}"
        if console:
            ctx.ext = f"{self.ext_prefix}-{rng.getrandbits(128):032x}"
        elif rand() < 0.5:
            ctx.ext = f"tango-{ctx.ref}"
        else:
            ctx.ext = f"{account[3]}-{seq:08d}"
        line_rows, amount, charged, fee, line_events = lines.make_lines(self, ctx, n_lines)
        hold_note = placement_error = ""
        if state in ("held", "placement_failed"):
            self.local_trouble(ctx)
            if ctx.hold_reason:
                hold_note = vocab.HOLD_NOTES[ctx.hold_reason]
            if ctx.error:
                placement_error = f"{ctx.error[0]}: {ctx.error[1]}"
        placed = state == "placed"
        sender = rng.choice(account[5]) if rand() < 0.8 else ("", "", "")
        campaign_rank = bisect.bisect(_CAMPAIGN_CUM, rand() * _CAMPAIGN_CUM[-1])
        campaign = vocab.CAMPAIGNS[min(campaign_rank, len(vocab.CAMPAIGNS) - 1)]
        if rand() < 0.15:
            campaign = ""
        year = ts(created)[:4]
        updated = max(x for x in (created, ctx.synced, ctx.completed, ctx.tango_created) if x)
        row = (
            str(order_id),
            ctx.ext,
            ctx.ref or NULL,
            str(account[1]),
            str(account[0]),
            money(amount),
            currency,
            money(charged) if placed else NULL,
            money(fee) if placed else NULL,
            money(charged + fee) if placed else NULL,
            account[2] if placed else "",
            f"{ctx.rate:.8f}" if placed else NULL,
            status,
            state,
            ctx.hold_reason,
            hold_note,
            ctx.error[0] if ctx.error else "",
            esc(placement_error),
            str(ctx.attempts),
            ts(created + 2 * US_PER_SECOND) if state == "placing" else NULL,
            ts(ctx.tango_created + rng.randrange(200_000, 1_500_000)) if placed else NULL,
            method,
            source,
            "t" if bulk else "f",
            sender[0],
            sender[1],
            sender[2],
            rng.choice(vocab.SUBJECTS),
            rng.choice(vocab.MESSAGES),
            f"E{(account[0] * 7 + i % 3) % 1000:06d}" if rand() < 0.3 else "",
            f"{campaign} {year}" if campaign and rand() < 0.3 else campaign,
            rng.choice(vocab.NOTES),
            f"PO-{year}-{rng.randrange(1000, 99999)}" if rand() < 0.12 else "",
            ts(ctx.tango_created),
            ts(ctx.synced),
            str(actor) if actor else NULL,
            ts(created),
            ts(updated),
            # the distinct statuses of its lines, as the triggers would keep them
            "{" + ",".join(f'"{s}"' for s in sorted({r[_LINE_STATUS] for r in line_rows})) + "}",
        )
        event_rows = events.make_events(self, ctx, line_events)
        return row, line_rows, event_rows

    def timing(self, ctx: OrderCtx, source: str) -> None:
        """Tango's createdAt, completion and last sync, consistent with created_at."""
        rng, now, created = self.rng, self.now, ctx.created
        if ctx.state != "placed":
            if ctx.state in ("placing", "placement_failed", "held"):
                ctx.attempts = 1
            elif ctx.state == "queued":
                ctx.attempts = rng.choice((0, 0, 0, 1, 2))  # requeued after a Tango 5xx
            return
        if ctx.console:
            ctx.attempts = 1 if rng.random() < 0.93 else rng.choice((2, 2, 3))
            delay = rng.randrange(500_000, 8 * US_PER_SECOND)
            if ctx.attempts > 1:
                delay += rng.randrange(US_PER_MINUTE, 20 * US_PER_MINUTE)
            tango = created + delay
        else:
            tango = created - rng.randrange(30 * US_PER_SECOND, 10 * US_PER_MINUTE)
        ctx.tango_created = min(tango, now - US_PER_SECOND)
        status = ctx.status
        if status in FINAL:
            if status in ("CANCELLED", "DELETED"):
                lag = rng.randrange(US_PER_HOUR, 4 * US_PER_DAY)
            elif ctx.bulk:
                lag = rng.randrange(US_PER_MINUTE, 90 * US_PER_MINUTE)
            else:
                lag = rng.randrange(2 * US_PER_SECOND, 3 * US_PER_MINUTE)
            ctx.completed = min(ctx.tango_created + lag, now - US_PER_SECOND)
            synced = ctx.completed + rng.randrange(US_PER_MINUTE, 10 * US_PER_MINUTE)
        else:
            synced = now - rng.randrange(0, 20 * US_PER_MINUTE)
        ctx.synced = max(min(synced, now), created)

    def local_trouble(self, ctx: OrderCtx) -> None:
        """Hold reason / Tango's rejection of an unplaced order."""
        rng = self.rng
        if ctx.state == "held":
            r = rng.random()
            if ctx.bulk and r < 0.5:
                ctx.hold_reason = "bulk_review"
            elif r < 0.8:
                ctx.hold_reason = "insufficient_funds"
                ctx.error = ("402.001", "Insufficient funds in the account")
            else:
                ctx.hold_reason = "staff"
            if ctx.hold_reason != "insufficient_funds":
                ctx.attempts = 0  # held by a person before any placement attempt
        else:
            ctx.error = rng.choice(vocab.PLACEMENT_ERRORS)


def generate_chunk(task: tuple) -> dict[str, Any]:
    k, start, first_line_id, created, counts, forced = task
    state = _STATE
    gen = ChunkGen(k, state)
    formatters = state["formatters"]
    fmt_order, fmt_line, fmt_event = (formatters[n] for n in ("order", "lineitem", "event"))
    out_orders: list[str] = []
    out_lines: list[str] = []
    out_events: list[str] = []
    gen.next_line_id = first_line_id
    t0 = time.process_time()  # CPU seconds: workers share the cores with PostgreSQL
    for j, created_us in enumerate(created):
        i = start + j
        row, line_rows, event_rows = gen.order(i, i + 1, created_us, counts[j], forced.get(i))
        out_orders.append(fmt_order(row))
        out_lines.extend(map(fmt_line, line_rows))
        out_events.extend(map(fmt_event, event_rows))
    seconds = time.process_time() - t0
    return {
        "k": k,
        "data": {
            "order": "".join(out_orders).encode(),
            "lineitem": "".join(out_lines).encode(),
            "event": "".join(out_events).encode(),
        },
        "rows": {"order": len(out_orders), "lineitem": len(out_lines), "event": len(out_events)},
        "gen_seconds": seconds,
        "next_line_id": gen.next_line_id,
    }
