"""bench/datagen row generation, in process and without a database: shape and consistency."""

from __future__ import annotations

import pytest

from bench.datagen import chunk, events, lines, schedule
from bench.datagen.copyplan import build_plan
from bench.datagen.reference import RefData
from bench.datagen.text import NULL, esc, money, to_us, ts
from orders.models import LineItem, Order, OrderEvent

NOW = "2026-12-01T12:00:00+00:00"


def _item(pk, currency, face=None, choice=False, methods=("EMAIL", "PHONE")):
    low, high = (face, face) if face else (500, 50000)
    return (pk, f"U{pk:06d}", f"Item {pk}", currency, face, low, high, methods, choice,
            False, "PERCENTAGE" if pk % 2 else None, 2.0)  # fmt: skip


@pytest.fixture
def spec():
    senders = (("Sam", "Lee", "sam.lee@acme.example"),)
    ref = RefData(
        accounts=[
            (1, 1, "USD", "acme", True, senders, "acme.example"),
            (2, 1, "EUR", "acme", True, senders, "acme.example"),
            (3, 2, "USD", "globex", False, senders, "globex.example"),
        ],
        account_cum=[0.6, 0.8, 1.0],
        bulk_accounts=[0, 1],
        bulk_account_cum=[0.6, 0.8],
        items={
            "USD": [_item(1, "USD", choice=True), _item(2, "USD", face=2500)],
            "EUR": [_item(3, "EUR"), _item(4, "EUR", face=5000)],
        },
        item_cum={"USD": [0.7, 1.0], "EUR": [0.5, 1.0]},
        staff=[10, 11],
    )
    from dataclasses import asdict
    from datetime import datetime

    plans = {
        "order": build_plan(Order, chunk.KNOWN_FIELDS),
        "lineitem": build_plan(LineItem, lines.KNOWN_FIELDS),
        "event": build_plan(OrderEvent, events.KNOWN_FIELDS),
    }
    now_us = to_us(datetime.fromisoformat(NOW))
    return {
        "seed": 3,
        "now_us": now_us,
        "recipient_pool": 500,
        "ref": asdict(ref),
        "plans": {k: p.spec() for k, p in plans.items()},
        "columns": {k: p.columns for k, p in plans.items()},
    }


def _generate(spec, n=3000):
    plan = schedule.build_plan(n, spec["seed"], spec["now_us"], "300:PARTIAL")
    tasks = schedule.chunk_tasks(plan, 1000)
    chunk.init_worker(spec)
    return plan, [chunk.generate_chunk(task) for task in tasks]


def _rows(results, key, columns):
    out = []
    for result in results:
        for line in result["data"][key].decode().splitlines():
            values = line.split("\t")
            assert len(values) == len(columns), line
            out.append(dict(zip(columns, values, strict=True)))
    return out


def test_rows_fit_the_copy_columns_and_agree_with_each_other(spec):
    plan, results = _generate(spec)
    orders = _rows(results, "order", spec["columns"]["order"])
    items = _rows(results, "lineitem", spec["columns"]["lineitem"])
    timeline = _rows(results, "event", spec["columns"]["event"])

    assert [int(o["id"]) for o in orders] == list(range(1, 3001))
    assert [int(li["id"]) for li in items] == list(range(1, plan.total_lines + 1))
    assert 3000 <= len(timeline) <= 9000
    by_order: dict[str, list[dict]] = {}
    for li in items:
        by_order.setdefault(li["order_id"], []).append(li)
    statuses = {o["tango_status"] for o in orders}
    assert {"COMPLETE", "PARTIAL", "FAILED", "PENDING"} <= statuses
    for o in orders:
        own = by_order[o["id"]]
        assert money(sum(int(li["amount"].replace(".", "")) for li in own)) == o["amount"]
        placed = o["state"] == "placed"
        assert (o["reference_order_id"] != NULL) is placed
        assert all((li["reference_line_item_id"] == NULL) for li in own) or placed
        if o["tango_status"] == "PARTIAL":
            line_statuses = {li["status"] for li in own}
            assert {"COMPLETE", "FAILED"} <= line_statuses
        assert (len(own) > 1) is (o["is_bulk"] == "t")
        assert o["created_at"] <= o["updated_at"]
    assert max(len(v) for v in by_order.values()) == 300


def test_the_same_seed_gives_the_same_bytes(spec):
    _, first = _generate(spec, 1500)
    _, second = _generate(spec, 1500)
    assert [r["data"] for r in first] == [r["data"] for r in second]


def test_copy_text_encoding():
    assert esc("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert ts(0) == "1970-01-01 00:00:00.000000+00"
    assert ts(86_400_000_000 + 3_723_000_005) == "1970-01-02 01:02:03.000005+00"
    assert ts(None) == NULL
    assert money(12345) == "123.45" and money(5) == "0.05" and money(-150) == "-1.50"
