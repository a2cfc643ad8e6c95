"""The resend panel (issue 8, item 15): a form of its own, inline (not a popover over the
timeline), that shows only what the chosen destination needs, says which fields are needed
instead of calling them "(optional)", and puts Tango's countdown where it is seen first."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import OrderFactory, at_tango


@pytest.fixture
def detail(client, make_user, fake_tango):
    order = at_tango(OrderFactory(placed=True))
    order.line_items.update(status="COMPLETE", delivery_method="EMAIL")
    client.force_login(make_user("Support"))

    def get(**data):
        url = reverse("orders:detail", args=[order.pk])
        if data:
            line = order.line_items.get()
            return client.post(reverse("orders:resend-line-item", args=[line.pk]), data)
        return client.get(url)

    return get


def resend_form(html: str) -> str:
    match = re.search(r'<form class="[^"]*resend-form.*?</form>', html, re.S)
    assert match, "the page has a resend form"
    return match.group(0)


def block(form: str, css_class: str) -> str:
    match = re.search(rf'<div class="[^"]*\b{css_class}\b[^"]*".*?</div>\s*</div>', form, re.S)
    assert match, css_class
    return match.group(0)


def test_it_is_an_inline_panel_not_a_popover(detail):
    html = detail().content.decode()
    assert re.search(r'<details class="action resend-action"', html)
    assert 'class="action-panel inline-panel resend-form"' in resend_form(html)


def test_no_field_it_needs_is_called_optional(detail):
    form = resend_form(detail().content.decode())
    assert "(optional)" not in form


def test_each_address_field_belongs_to_its_destination(detail):
    form = resend_form(detail().content.decode())
    assert 'name="new_email"' in block(form, "when-email")
    assert 'name="new_mobile"' in block(form, "when-mobile")
    assert 'name="new_email"' not in block(form, "when-mobile")
    assert 'name="same_recipient"' in block(form, "when-corrected")


def test_the_css_shows_only_the_chosen_destinations_fields():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[3] / "static/css/app.css").read_text()
    assert re.search(r"\.resend-form \.when-email[^{]*\{[^}]*display:\s*none", css)
    assert ':has(input[name="destination"][value="email"]:checked) .when-email' in css
    assert ':has(input[name="destination"][value="mobile"]:checked) .when-mobile' in css


def test_the_countdown_comes_first(rf):
    from datetime import timedelta

    from django.template.loader import render_to_string
    from django.utils import timezone

    from orders.forms import ResendForm

    html = render_to_string(
        "orders/includes/resend_form.html",
        {
            "form": ResendForm(),
            "action": "/x/",
            "label": "Resend this reward",
            "available_at": timezone.now() + timedelta(seconds=20),
        },
        request=rf.get("/"),
    )
    assert html.index("countdown") < html.index('name="destination"')


def test_a_refused_corrected_email_keeps_its_field_shown_with_the_error(detail):
    response = detail(destination="email", reason_code="NOT_RECEIVED")
    assert response.status_code == 422
    form = resend_form(response.content.decode())
    email = block(form, "when-email")
    assert "Enter the corrected email address." in email
    assert re.search(r'value="email"[^>]*checked', form)
