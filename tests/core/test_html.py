"""core.html's format_html / conditional_escape give exactly Django's output."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import html as django_html
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe

from core import html

pytestmark = pytest.mark.smoke

VALUES = [
    "plain",
    "<script>alert('x')</script> & \"quoted\"",
    mark_safe("<b>already safe</b>"),
    "",
    None,
    0,
    12345,
    Decimal("1234.50"),
    date(2026, 12, 4),
    lazy(lambda: "<lazy & 'text'>", str)(),
    ["<list>"],
]


@pytest.mark.parametrize("value", VALUES)
def test_conditional_escape_matches_django(value):
    ours = html.conditional_escape(value)
    assert ours == django_html.conditional_escape(value)
    assert isinstance(ours, SafeString)  # so it is not escaped again when nested
    assert html.format_html("{}", ours) == django_html.format_html("{}", value)


def test_format_html_matches_django_and_is_safe():
    template = '<a href="{}" title="{}">{}</a>{rest}'
    for value in VALUES:
        ours = html.format_html(template, value, value, value, rest=value)
        assert ours == django_html.format_html(template, value, value, value, rest=value)
        assert isinstance(ours, SafeString)
