"""COPY column lists derived from the models, so the generator survives schema changes.

The row generators produce values for a fixed list of field attnames (``KNOWN_FIELDS`` in
chunk.py, lines.py and events.py). ``build_plan`` matches that list against the model's
``_meta.concrete_fields`` at run time:

* a known field the model still has is copied (under its current ``column`` name);
* a known field the model no longer has is dropped from every row (``pick``);
* a model field the generator does not know is filled with one constant: the field's
  ``default``, else NULL when it is nullable, else '' for string fields, else a zero value of
  its type. An auto primary key or a field with ``db_default`` is left to the database.

A new column therefore never breaks the load; only a NOT NULL foreign key or a unique column
without a usable default stops it, with a message naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from bench.datagen.text import python_value

_ZERO_BY_TYPE = {
    "BooleanField": False,
    "IntegerField": 0,
    "BigIntegerField": 0,
    "SmallIntegerField": 0,
    "PositiveIntegerField": 0,
    "PositiveBigIntegerField": 0,
    "PositiveSmallIntegerField": 0,
    "DecimalField": 0,
    "FloatField": 0,
    "DurationField": "0",
    "JSONField": {},
}


# Columns the database has that are no model field (kept by triggers, orders/models/facets.py):
# the generator writes them itself, with the triggers off during the load.
DB_ONLY_COLUMNS = {"orders_order": ("line_statuses",)}


class PlanError(RuntimeError):
    """A model column the generator can neither produce nor fill with a default."""


@dataclass
class TablePlan:
    table: str
    columns: list[str]  # the COPY column list, in row order
    known: Sequence[str]  # what the row generator produces, in its order
    missing: list[str] = field(default_factory=list)  # known fields the model lost
    filled: dict[str, str] = field(default_factory=dict)  # column -> constant COPY text
    db_generated: list[str] = field(default_factory=list)  # auto pk / db_default columns
    pick_indexes: tuple[int, ...] | None = None  # None: every known field is present

    @property
    def suffix(self) -> str:
        """The constant tail of every line: the filled columns' values."""
        return "".join("\t" + value for value in self.filled.values())

    def copy_sql(self, freeze: bool = True) -> str:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        options = " WITH (FREEZE)" if freeze else ""
        return f'COPY "{self.table}" ({cols}) FROM STDIN{options}'

    def spec(self) -> tuple[tuple[int, ...] | None, str]:
        """What a worker process needs to format lines (plain data, picklable)."""
        return self.pick_indexes, self.suffix


def default_text(model_field: Any) -> str:
    """The COPY text a row gets for a column the generator does not know."""
    is_json = model_field.get_internal_type() == "JSONField"
    label = f"{model_field.model._meta.label}.{model_field.name}"
    if model_field.has_default():
        value = model_field.get_default()
        if model_field.unique and value is not None:
            raise PlanError(f"{label}: unique with a default; teach the generator this field")
        return python_value(value, is_json=is_json)
    if model_field.null:
        return python_value(None)
    if model_field.is_relation:
        raise PlanError(f"{label}: a NOT NULL foreign key without a default")
    if model_field.unique:
        raise PlanError(f"{label}: unique and NOT NULL without a default")
    if model_field.empty_strings_allowed:  # CharField, TextField, EmailField...
        return ""
    internal = model_field.get_internal_type()
    if internal in _ZERO_BY_TYPE:
        return python_value(_ZERO_BY_TYPE[internal], is_json=is_json)
    if internal in ("DateTimeField", "DateField"):
        return "now"  # PostgreSQL's input keyword: the transaction's start time
    raise PlanError(f"{label}: NOT NULL {internal} without a default")


def build_plan(model: Any, known: Sequence[str]) -> TablePlan:
    from django.db.models import NOT_PROVIDED
    from django.db.models.fields import AutoFieldMixin

    concrete = {f.attname: f for f in model._meta.concrete_fields}
    plan = TablePlan(table=model._meta.db_table, columns=[], known=tuple(known))
    indexes = []
    for position, attname in enumerate(known):
        model_field = concrete.get(attname)
        if model_field is None and attname in DB_ONLY_COLUMNS.get(plan.table, ()):
            indexes.append(position)
            plan.columns.append(attname)
            continue
        if model_field is None:
            plan.missing.append(attname)
            continue
        indexes.append(position)
        plan.columns.append(model_field.column)
    for attname, model_field in concrete.items():
        if attname in known:
            continue
        # The database fills these itself (a GeneratedField such as Order.ordered_at refuses
        # any value, a default included).
        if (
            isinstance(model_field, AutoFieldMixin)
            or model_field.db_default is not NOT_PROVIDED
            or getattr(model_field, "generated", False)
        ):
            plan.db_generated.append(model_field.column)
            continue
        plan.filled[model_field.column] = default_text(model_field)
        plan.columns.append(model_field.column)
    if plan.missing:
        plan.pick_indexes = tuple(indexes)
    return plan


def line_formatter(spec: tuple[tuple[int, ...] | None, str]):
    """A function turning one generated row (a tuple of COPY texts) into a COPY line."""
    pick_indexes, suffix = spec
    end = suffix + "\n"
    join = "\t".join
    if pick_indexes is None:
        return lambda row: join(row) + end
    if len(pick_indexes) == 1:
        only = pick_indexes[0]
        return lambda row: row[only] + end
    pick = itemgetter(*pick_indexes)
    return lambda row: join(pick(row)) + end
