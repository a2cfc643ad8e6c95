"""Django admin is not a way around the console's masking (issue 8, item 1).

Only Admins (the Admin role, or superusers) may enter /admin/ at all, and inside it no URL
lookup, search, filter or sort may touch a masked field for a user who may not see it: a
changelist that shows or hides a row for `?recipient_email__istartswith=ri` recovers a full
address in a few hundred requests, unaudited.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from orders.models import LineItem, OrderEvent, WebhookEvent
from tests.factories import OrderFactory

LINE_ITEMS = reverse("admin:orders_lineitem_changelist")
ORDERS = reverse("admin:orders_order_changelist")
RILEY = {
    "line_item__recipient_first_name": "Riley",
    "line_item__recipient_last_name": "Chen",
    "line_item__recipient_email": "riley.chen@example.com",
    "line_item__recipient_mobile": "+15551231234",
    "line_item__address_street1": "742 Evergreen Terrace",
    "line_item__address_city": "Springfield",
    "line_item__address_postal_code": "97477",
}
# One probe per masked LineItem field; each would match Riley's row.
PROBES = {
    "recipient_email__istartswith": "ri",
    "recipient_email": "riley.chen@example.com",
    "recipient_email__iexact": "RILEY.CHEN@example.com",
    "recipient_mobile__startswith": "+1555",
    "recipient_first_name__iexact": "riley",
    "recipient_last_name__icontains": "che",
    "address_street1__icontains": "evergreen",
    "address_city": "Springfield",
    "address_postal_code__startswith": "974",
    "recipient_email__isnull": "False",
}


def set_admin_role_recipient_access(roles, allowed: bool) -> None:
    """The Admin role holds view_recipient; these tests also cover an admin who does not (a
    trimmed Admin group, or a future role), which is where the lookup guard earns its keep."""
    perm = Permission.objects.get(codename="view_recipient")
    if allowed:
        roles["Admin"].permissions.add(perm)
    else:
        roles["Admin"].permissions.remove(perm)


@pytest.fixture
def riley(db):
    OrderFactory()  # a second row, so a filter that matches would show a difference
    return OrderFactory(**RILEY).line_items.get()


@pytest.fixture
def masked_admin(client, make_user, roles):
    """An Admin-role user (may enter /admin/) without orders.view_recipient."""
    set_admin_role_recipient_access(roles, allowed=False)
    user = make_user("Admin", username="masked-admin")
    assert not user.has_perm("orders.view_recipient")
    client.force_login(user)
    return user


# --- Who may enter /admin/ -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Support", "Finance", "Manager", None])
def test_only_admins_may_enter_the_admin(client, make_user, role):
    client.force_login(make_user(role))
    for url in (reverse("admin:index"), LINE_ITEMS, ORDERS):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login"))


def test_the_finance_oracle_from_the_issue_is_closed(client, make_user, riley):
    client.force_login(make_user("Finance"))
    response = client.get(LINE_ITEMS, {"recipient_email__istartswith": "ri"})
    assert response.status_code == 302
    assert b"riley" not in response.content.lower()


@pytest.mark.parametrize("superuser", [False, True])
def test_admins_and_superusers_enter_the_admin(client, make_user, superuser):
    client.force_login(make_user("Admin" if not superuser else None, is_superuser=superuser))
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("flag", ["is_staff", "is_active"])
def test_an_admin_who_is_not_active_staff_may_not_enter(client, make_user, flag):
    user = make_user("Admin", username="not-staff", is_superuser=True)
    client.force_login(user)
    setattr(user, flag, False)
    user.save()
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.parametrize(
    ("role", "superuser", "shown"),
    [
        ("Support", False, False),
        ("Finance", False, False),
        ("Manager", False, False),
        ("Admin", False, True),
        (None, True, True),
    ],
)
def test_the_admin_link_is_shown_only_to_who_may_enter(client, make_user, role, superuser, shown):
    client.force_login(make_user(role, is_superuser=superuser))
    html = client.get(reverse("orders:list")).content.decode()
    assert (f'href="{reverse("admin:index")}"' in html) is shown


# --- Lookups on masked fields ----------------------------------------------------------------


@pytest.mark.parametrize(("lookup", "value"), PROBES.items(), ids=list(PROBES))
def test_lookups_on_masked_fields_are_refused_without_view_recipient(
    client, masked_admin, riley, lookup, value
):
    response = client.get(LINE_ITEMS, {lookup: value})
    assert response.status_code == 400  # DisallowedModelAdminLookup: refused, and logged


@pytest.mark.parametrize(("lookup", "value"), PROBES.items(), ids=list(PROBES))
def test_lookups_on_masked_fields_work_with_view_recipient(client, make_user, riley, lookup, value):
    client.force_login(make_user("Admin"))
    response = client.get(LINE_ITEMS, {lookup: value})
    assert response.status_code == 200
    found = list(response.context["cl"].queryset)
    assert riley in found and (lookup.endswith("__isnull") or found == [riley])


def test_order_lookups_through_line_items_are_refused(client, masked_admin, riley):
    for lookup in ("line_items__recipient_email", "line_items__recipient_email__istartswith"):
        assert client.get(ORDERS, {lookup: "riley.chen@example.com"}).status_code == 400


def test_search_cannot_confirm_an_email_without_view_recipient(client, masked_admin, riley):
    response = client.get(ORDERS, {"q": "riley.chen@example.com"})
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == []
    response = client.get(LINE_ITEMS, {"q": "riley.chen@example.com"})
    assert list(response.context["cl"].queryset) == []


def test_search_by_email_works_with_view_recipient(client, make_user, riley):
    client.force_login(make_user("Admin"))
    response = client.get(ORDERS, {"q": "riley.chen@example.com"})
    assert list(response.context["cl"].queryset) == [riley.order]


def test_timeline_details_are_not_searchable_for_anyone(client, make_user, riley):
    """Timeline details hold a corrected email unmasked (the resend task reads it) and the
    admin shows them masked to every role, superusers included: no lookup into them either."""
    OrderEvent.objects.create(
        order=riley.order,
        line_item=riley,
        kind=OrderEvent.Kind.RESEND_REQUESTED,
        source="staff",
        occurred_at=timezone.now(),
        details={"new_email": "new.person@example.org"},
    )
    client.force_login(make_user(None, username="root", is_superuser=True))
    url = reverse("admin:orders_orderevent_changelist")
    for lookup in ("details__new_email", "details__new_email__startswith", "details__icontains"):
        assert client.get(url, {lookup: "new"}).status_code == 400, lookup


def test_raw_webhook_bodies_are_not_searchable_below_superuser(client, make_user, roles):
    WebhookEvent.objects.create(
        event_id="evt-1",
        event_type="orderStatusChanged",
        body='{"recipient": {"email": "riley.chen@example.com"}}',
        payload={"recipient": {"email": "riley.chen@example.com"}},
    )
    reader = make_user("Admin", username="webhook-reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_webhookevent"))
    client.force_login(reader)
    url = reverse("admin:orders_webhookevent_changelist")
    assert client.get(url).status_code == 200
    for lookup in ("body__icontains", "payload__recipient__email", "payload__icontains"):
        assert client.get(url, {lookup: "riley"}).status_code == 400, lookup

    client.force_login(make_user(None, username="root", is_superuser=True))
    assert client.get(url, {"body__icontains": "riley"}).status_code == 200


# --- Every registered admin: no search, filter, sort or hierarchy on a masked field ----------

# (model, field) pairs a user without the right may not see; see orders.admin.SENSITIVE_FIELDS.
MASKED = {
    (LineItem, name)
    for name in (
        "recipient_first_name",
        "recipient_last_name",
        "recipient_email",
        "recipient_mobile",
        "address_company",
        "address_street1",
        "address_street2",
        "address_city",
        "address_state",
        "address_postal_code",
        "address_country",
    )
} | {(OrderEvent, "details"), (WebhookEvent, "body"), (WebhookEvent, "payload")}


def touched_fields(model, path: str) -> set[tuple[type, str]]:
    """Every (model, field) a lookup path like 'line_items__recipient_email__istartswith' reads."""
    touched = set()
    for part in path.lstrip("^=@").split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:
            break
        touched.add((model, field.name))
        if not field.is_relation:
            break
        model = field.related_model
    return touched


@pytest.mark.parametrize(
    "model_admin", list(admin.site._registry.values()), ids=lambda ma: str(ma.model._meta)
)
def test_no_admin_searches_filters_or_sorts_on_masked_fields(masked_admin, model_admin):
    request = RequestFactory().get("/admin/")
    request.user = masked_admin
    model = model_admin.model
    paths = [*model_admin.get_search_fields(request)]
    for item in model_admin.get_list_filter(request):
        if isinstance(item, str):
            paths.append(item)
        elif isinstance(item, (list, tuple)):
            paths.append(item[0])
    ordering = model_admin.get_ordering(request) or []
    paths += [o.lstrip("-") for o in ordering if isinstance(o, str)]
    paths += [str(model_admin.date_hierarchy or "")]
    for name in model_admin.get_sortable_by(request):
        if isinstance(name, str) and not hasattr(model_admin, name):
            paths.append(name)
    for path in filter(None, paths):
        assert not (touched_fields(model, path) & MASKED), (model, path)
