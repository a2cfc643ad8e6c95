"""bench/datagen/copyplan.py: COPY column lists follow the models, whatever they become."""

from __future__ import annotations

import pytest

from bench.datagen import chunk, events, lines
from bench.datagen.copyplan import PlanError, build_plan, line_formatter
from orders.models import LineItem, Order, OrderEvent


def _without(fields: tuple[str, ...], *names: str) -> tuple[str, ...]:
    return tuple(f for f in fields if f not in names)


def test_a_column_the_generator_does_not_know_gets_the_fields_default():
    known = _without(chunk.KNOWN_FIELDS, "notes", "placement_attempts", "is_bulk", "exchange_rate")
    plan = build_plan(Order, known)

    # As if these four had been added to Order after the generator was written (beside any
    # field really added since, which the generator's own plan fills the same way).
    assert plan.filled == {
        **build_plan(Order, chunk.KNOWN_FIELDS).filled,
        "notes": "",
        "placement_attempts": "0",
        "is_bulk": "f",
        "exchange_rate": "\\N",
    }
    filled = len(plan.filled)
    assert plan.columns[-filled:] == list(plan.filled)
    assert plan.suffix == "".join("\t" + plan.filled[c] for c in plan.columns[-filled:])
    assert not plan.missing and plan.pick_indexes is None


def test_a_field_the_model_lost_is_dropped_from_every_row():
    known = ("id", "gone_field", "order_id", *_without(events.KNOWN_FIELDS, "order_id"))
    plan = build_plan(OrderEvent, known)
    format_line = line_formatter(plan.spec())

    row = ["7", "dropped", "42", *(f"v{i}" for i in range(len(known) - 3))]
    line = format_line(tuple(row))

    assert plan.missing == ["gone_field"]
    assert "dropped" not in line
    assert line.endswith("\n") and len(line[:-1].split("\t")) == len(plan.columns)
    assert plan.columns[:2] == ["id", "order_id"]


def test_the_auto_primary_key_is_left_to_the_database():
    plan = build_plan(OrderEvent, events.KNOWN_FIELDS)

    assert plan.db_generated == ["id"]
    assert "id" not in plan.columns
    assert plan.copy_sql().startswith('COPY "orders_orderevent" ("order_id", ')
    assert plan.copy_sql().endswith("FROM STDIN WITH (FREEZE)")


def test_json_and_datetime_defaults():
    plan = build_plan(LineItem, _without(lines.KNOWN_FIELDS, "errors", "last_resent_at"))

    assert plan.filled == {
        **build_plan(LineItem, lines.KNOWN_FIELDS).filled,
        "errors": "[]",
        "last_resent_at": "\\N",
    }


def test_a_required_foreign_key_it_cannot_fill_stops_the_load_with_its_name():
    with pytest.raises(PlanError, match=r"orders\.LineItem\.order"):
        build_plan(LineItem, _without(lines.KNOWN_FIELDS, "order_id"))


def test_the_generators_fields_all_exist_on_todays_models():
    # Not required for the load to work (see above), but a rename shows up here first.
    for model, known in ((Order, chunk.KNOWN_FIELDS), (LineItem, lines.KNOWN_FIELDS)):
        assert build_plan(model, known).missing == []
