"""The errors actions raise for people: a refusal, or every problem with what was entered.

* `ActionNotAllowed`: the action is not possible for this object right now; the message is
  for staff (views show it as it is).
* `ValidationFailed` carries `Problems`: every problem found, keyed by field ("__all__" for
  the ones about the whole thing), so a form can show each field's errors and a CSV dry run
  every row's, where raising at the first problem could only say one sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

NON_FIELD = "__all__"  # Django's key for errors that belong to no single field


class ActionNotAllowed(Exception):
    """The action is not possible for this object right now; the message is for staff."""


class Problems:
    """Problems by field, in the order they were found; falsy when there are none."""

    def __init__(self) -> None:
        self._by_field: dict[str, list[str]] = {}

    def add(self, field: str | None, message: str) -> None:
        self._by_field.setdefault(field or NON_FIELD, []).append(message)

    def extend(self, other: Problems, prefix: str = "", message_prefix: str = "") -> None:
        """Take over another set's problems, their fields prefixed (e.g. "lines[3].utid") and,
        with `message_prefix`, their messages too (e.g. "Line 3: "), so each still reads on
        its own in a flat list."""
        for field, messages in other.items():
            for message in messages:
                self.add(f"{prefix}{field}", f"{message_prefix}{message}")

    def pop(self, field: str) -> list[str]:
        """Take one field's problems out (e.g. to say them once for many rows)."""
        return self._by_field.pop(field, [])

    def items(self) -> Iterator[tuple[str, list[str]]]:
        return ((field, list(messages)) for field, messages in self._by_field.items())

    def fields(self) -> Iterable[str]:
        return tuple(self._by_field)

    def __bool__(self) -> bool:
        return bool(self._by_field)

    def __len__(self) -> int:
        return sum(len(messages) for messages in self._by_field.values())

    def __repr__(self) -> str:
        return f"Problems({self.as_dict()!r})"

    def as_dict(self) -> dict[str, list[str]]:
        return {field: list(messages) for field, messages in self._by_field.items()}

    def messages(self) -> list[str]:
        """Every message once, in the order found (several fields may share one sentence)."""
        return list(dict.fromkeys(m for messages in self._by_field.values() for m in messages))

    def first_message(self) -> str:
        """The first problem found (what a one-sentence refusal says)."""
        for messages in self._by_field.values():
            return messages[0]
        return ""

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed(self)


class ValidationFailed(ValueError):
    """What was entered cannot be used; `problems` says everything that is wrong, by field.

    Its message lists every problem, so a caller that shows one sentence (a refusal on the
    page, a log line) still says all of it.
    """

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        super().__init__(" ".join(problems.messages()))
