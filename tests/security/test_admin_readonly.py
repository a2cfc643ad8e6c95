"""Django admin is read-only where an action owns the write (issue 8, item 6).

A saved view, a bulk job, a timeline row, an audit row, a webhook event, an order's state:
each is written by an action in orders/actions (or by the sync from Tango) that checks the
rules and writes the audit log. Creating or editing one through the admin skipped all of that
(a saved view could be created for another owner). Even a superuser only looks here.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from audit.models import AuditEntry
from orders.models import (
    Account,
    Brand,
    BulkJob,
    CatalogItem,
    Customer,
    LineItem,
    Order,
    OrderEvent,
    SavedView,
    WebhookEvent,
)
from tests.factories import AccountFactory

# Written only by an action or the sync; the admin shows them.
VIEW_ONLY = [
    SavedView,
    BulkJob,
    AuditEntry,
    OrderEvent,
    WebhookEvent,
    Order,
    LineItem,
    Customer,
    Brand,
    CatalogItem,
]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def root(client, make_user):
    user = make_user(None, username="root", is_superuser=True)
    client.force_login(user)
    return user


@pytest.mark.parametrize("model", VIEW_ONLY, ids=lambda m: m._meta.label)
def test_even_a_superuser_may_only_view(rf, root, model):
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    request.user = root
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.parametrize("model", VIEW_ONLY, ids=lambda m: m._meta.label)
def test_the_add_view_is_refused(client, root, model):
    assert client.post(admin_url(model, "add"), {}).status_code == 403


@pytest.mark.parametrize("superuser", [False, True])
def test_a_saved_view_cannot_be_created_for_another_owner(client, make_user, superuser):
    owner = make_user("Support", username="someone-else")
    editor = make_user("Admin", username="editor", is_superuser=superuser)
    assert editor.has_perm("orders.add_savedview")  # the console lets Admins create their own
    client.force_login(editor)
    response = client.post(
        admin_url(SavedView, "add"),
        {"name": "Planted", "query_string": "status=FAILED", "owner": owner.pk},
    )
    assert response.status_code == 403
    assert not SavedView.objects.exists()


def test_another_owners_saved_view_cannot_be_changed_or_deleted(client, make_user, root):
    owner = make_user("Support", username="someone-else")
    view = SavedView.objects.create(name="Mine", query_string="status=FAILED", owner=owner)
    response = client.post(
        admin_url(SavedView, "change", view.pk),
        {"name": "Hijacked", "query_string": "q=x", "owner": root.pk},
    )
    assert response.status_code == 403
    assert client.post(admin_url(SavedView, "delete", view.pk), {"post": "yes"}).status_code == 403
    view.refresh_from_db()
    assert (view.name, view.owner) == ("Mine", owner)
    assert client.get(admin_url(SavedView, "change", view.pk)).status_code == 200  # may look


def test_an_account_keeps_only_our_own_switch_editable(client, root):
    account = AccountFactory(display_name="Synced name", async_orders_enabled=False)
    assert client.post(admin_url(Account, "add"), {}).status_code == 403
    assert client.post(admin_url(Account, "delete", account.pk), {"post": "yes"}).status_code == 403
    response = client.post(
        admin_url(Account, "change", account.pk),
        {
            "async_orders_enabled": "on",
            "display_name": "Edited",
            "identifier": "edited",
            "currency": "EUR",
            "contact_email": "x@example.com",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.async_orders_enabled  # ours: whether /asyncOrders may be used
    assert (account.display_name, account.currency) == ("Synced name", "USD")  # Tango's
    form = client.get(admin_url(Account, "change", account.pk)).context["adminform"].form
    assert set(form.fields) == {"async_orders_enabled"}
