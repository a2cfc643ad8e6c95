"""The audit log page (audit/views.py): entries newest first, filters in the URL, HTMX table."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEntry

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_the_page_lists_entries_newest_first_and_filters_by_url(client, make_user):
    manager = make_user("Manager")
    AuditEntry.objects.create(
        actor=manager, action="order.hold", object_id="1", ip_address="10.0.0.7"
    )
    AuditEntry.objects.create(actor=None, action="credential.reveal", object_id="2")
    client.force_login(manager)

    page = client.get(reverse("audit:log")).content.decode()
    assert page.index("credential.reveal") < page.index("order.hold")
    assert "10.0.0.7" in page and "<form" in page

    filtered = client.get(reverse("audit:log"), {"action": "order.hold"}).content.decode()
    assert "order.hold" in filtered and "credential.reveal" not in filtered


def test_an_htmx_request_gets_the_table_alone(client, make_user):
    client.force_login(make_user("Admin"))
    AuditEntry.objects.create(actor=None, action="order.note", object_id="3")
    response = client.get(reverse("audit:log"), headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "order.note" in body
    assert "<html" not in body and "<form" not in body
    assert "HX-Request" in response.headers.get("Vary", "")
