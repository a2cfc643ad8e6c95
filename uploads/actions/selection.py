"""Which valid rows of a checked upload the user places: all of them, or a selection by
account, by row numbers as the file shows them ("2-40, 57"), and without the rows the policy
would hold for approval. Parsing only; confirm applies it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from core.errors import Problems, ValidationFailed
from uploads.models import UploadRow

_RANGE = re.compile(r"^\s*(\d{1,7})\s*(?:[-\u2013]\s*(\d{1,7})\s*)?$")
MAX_RANGES = 200


@dataclass(frozen=True)
class Selection:
    accounts: tuple[int, ...] = ()  # account ids; empty: every account
    numbers: str = ""  # row numbers as in the file, "2-40, 57"; empty: every row
    skip_approval: bool = False  # leave out the rows the policy would hold

    @property
    def is_all(self) -> bool:
        return not (self.accounts or self.numbers.strip() or self.skip_approval)

    def describe(self) -> str:
        parts = []
        if self.numbers.strip():
            parts.append(f"rows {self.numbers.strip()}")
        if self.accounts:
            parts.append(f"{len(self.accounts)} account(s)")
        if self.skip_approval:
            parts.append("without the rows needing approval")
        return ", ".join(parts) or "all valid rows"

    def apply(self, rows: QuerySet[UploadRow]) -> QuerySet[UploadRow]:
        if self.accounts:
            rows = rows.filter(account_id__in=self.accounts)
        ranges = parse_numbers(self.numbers)
        if ranges:
            wanted = Q()
            for low, high in ranges:
                wanted |= Q(number__gte=low, number__lte=high)
            rows = rows.filter(wanted)
        return rows


def parse_numbers(text: str) -> list[tuple[int, int]]:
    """ "2-40, 57" -> [(2, 40), (57, 57)]; ValidationFailed (field "rows") when unreadable."""
    ranges: list[tuple[int, int]] = []
    for part in filter(str.strip, (text or "").replace(";", ",").split(",")):
        match = _RANGE.match(part)
        if not match:
            raise _bad(f"“{part.strip()[:20]}” is not a row number or a range such as 2-40.")
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low:
            raise _bad(f"The range {low}-{high} runs backwards; write {high}-{low}.")
        ranges.append((low, high))
    if len(ranges) > MAX_RANGES:
        raise _bad(f"At most {MAX_RANGES} ranges; join neighbouring rows into ranges.")
    return ranges


def _bad(message: str) -> ValidationFailed:
    problems = Problems()
    problems.add("rows", message)
    return ValidationFailed(problems)
