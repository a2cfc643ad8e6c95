"""Problems and ValidationFailed (core/errors.py): every problem, keyed by field."""

from __future__ import annotations

import pytest

from core.errors import NON_FIELD, Problems, ValidationFailed


def test_problems_keep_every_message_by_field_in_order() -> None:
    problems = Problems()
    assert not problems and problems.first_message() == ""
    problems.raise_if_any()  # nothing to raise

    problems.add("amount", "Amount must be greater than zero.")
    problems.add(None, "The account is not ACTIVE.")
    problems.add("amount", "Amount can have at most 2 decimal places.")

    assert problems and len(problems) == 3
    assert problems.as_dict() == {
        "amount": [
            "Amount must be greater than zero.",
            "Amount can have at most 2 decimal places.",
        ],
        NON_FIELD: ["The account is not ACTIVE."],
    }
    assert problems.first_message() == "Amount must be greater than zero."


def test_extend_prefixes_and_raise_carries_them_all() -> None:
    line = Problems()
    line.add("utid", "A utid is required.")
    problems = Problems()
    problems.extend(line, prefix="line 3: ")
    assert problems.as_dict() == {"line 3: utid": ["A utid is required."]}

    with pytest.raises(ValidationFailed, match="A utid is required") as caught:
        problems.raise_if_any()
    assert caught.value.problems is problems
