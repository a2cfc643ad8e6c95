"""URLs of one pattern for many objects, reversed once: `pk_url("orders:detail", pk)`.

A page listing fifty orders (or line items with several actions each) reversed the same
pattern for every one of them; reverse() walks the resolver each time. The pattern is
reversed once per URL name and script prefix with a placeholder pk, which is then swapped for
each object's pk (an int: nothing to quote).
"""

from __future__ import annotations

from functools import cache

from django.urls import get_script_prefix, reverse

_PLACEHOLDER = 2_147_483_647


@cache
def _halves(name: str, script_prefix: str) -> tuple[str, str]:
    head, _, tail = reverse(name, args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
    return head, tail


def pk_url(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) for a pattern whose only argument is an int pk."""
    head, tail = _halves(name, get_script_prefix())
    return f"{head}{int(pk)}{tail}"
