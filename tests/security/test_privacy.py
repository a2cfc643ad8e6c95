"""Recipient data stays masked everywhere (console pages and the Django admin) until someone
holding orders.view_recipient unmasks it through the audited flow; credentials only link to
https URLs."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AuditEntry
from core import masking
from core.actor import Actor
from core.roles import ensure_roles
from orders.actions import resend
from orders.models import OrderEvent, WebhookEvent
from orders.templatetags import console
from tango.types import Credential, Reward
from tango.types import mask_phone as tango_mask_phone
from tests.factories import OrderFactory, at_tango

RILEY = {
    "line_item__recipient_first_name": "Riley",
    "line_item__recipient_last_name": "Chen",
    "line_item__recipient_email": "riley.chen@example.com",
    "line_item__recipient_mobile": "+15551231234",
    "line_item__address_company": "Chen Design LLC",
    "line_item__address_street1": "742 Evergreen Terrace",
    "line_item__address_street2": "Apt 3",
    "line_item__address_city": "Springfield",
    "line_item__address_state": "OR",
    "line_item__address_postal_code": "97477",
    "line_item__address_country": "US",
}
# Nothing of these may reach a page that has not been unmasked.
PERSONAL = [
    "Chen",
    "riley.chen@example.com",
    "+15551231234",
    "742 Evergreen",
    "Apt 3",
    "Springfield",
    "97477",
]


def login(client, make_user, role, **extra):
    user = make_user(role, **extra)
    client.force_login(user)
    return user


def leaked(html: str) -> list[str]:
    return [text for text in PERSONAL if text in html]


def row_ids(html: str) -> list[str]:
    return re.findall(r'class="row-link" href="/orders/(\d+)/"', html)


# --- masks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Riley", "Chen", "Riley C."),
        ("Riley", "", "Riley"),
        ("", "chen", "C."),
        ("  Riley ", " van der Berg", "Riley V."),
        ("", "", ""),
        (None, None, ""),
    ],
)
def test_names_show_the_first_name_and_the_last_initial(first, last, shown):
    assert masking.mask_name(first, last) == shown


@pytest.mark.parametrize("number", ["+15551231234", "+447700900123", "5551231234"])
def test_console_phone_mask_matches_the_tango_clients(number):
    assert console.mask_phone is masking.mask_phone  # the template filter is the same rule
    assert masking.mask_phone(number) == tango_mask_phone(number) == f"***{number[-2:]}"
    assert masking.mask_phone("+1 (555) 123-12 34") == "***34"  # formatting does not leak digits
    assert masking.mask_phone("") == ""


def test_event_details_are_masked_recursively():
    details = {
        "new_email": "new.person@example.org",
        "new_mobile": "+15559870000",
        "reason_code": "DELIVERY_INFO",
        "request_event_id": 7,
        "nested": {"email": "a.b@example.com", "note": "wrote to c.d@example.net"},
    }
    assert masking.mask_details(details) == {
        "new_email": "n***@example.org",
        "new_mobile": "***00",
        "reason_code": "DELIVERY_INFO",
        "request_event_id": 7,
        "nested": {"email": "a***@example.com", "note": "w***@example.net"},
    }


@pytest.mark.parametrize(
    ("value", "href"),
    [
        ("https://rewards.example/r/XYZ", "https://rewards.example/r/XYZ"),
        ("javascript:alert(1)", ""),
        ("http://rewards.example/r/XYZ", ""),
        ("data:text/html;base64,PHNjcmlwdD4=", ""),
        (" https://rewards.example", ""),
        ("", ""),
    ],
)
def test_only_https_values_may_become_links(value, href):
    assert console.safe_link(value) == href


# --- console pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Support", "Finance"])
def test_the_list_shows_a_masked_name_and_no_address(client, make_user, role):
    login(client, make_user, role)
    OrderFactory(**RILEY)
    html = client.get("/").content.decode()
    assert "Riley C." in html and "r***@example.com" in html
    assert leaked(html) == []


def test_searching_by_name_still_finds_the_order_but_shows_it_masked(client, make_user):
    login(client, make_user, "Finance")
    wanted = OrderFactory(**RILEY)
    OrderFactory()  # Jane Doe
    for query in ("Chen", "riley chen"):
        html = client.get("/", {"q": query}, headers={"HX-Request": "true"}).content.decode()
        assert row_ids(html) == [str(wanted.pk)], query
        rows = html[html.index("<tbody>") : html.index("</tbody>")]  # not the echoed query
        assert "Riley C." in rows and leaked(rows) == []


@pytest.mark.parametrize(("role", "found"), [("Support", True), ("Finance", False)])
def test_only_roles_that_see_contact_data_can_search_by_email(client, make_user, role, found):
    login(client, make_user, role)
    wanted = OrderFactory(**RILEY)
    OrderFactory()  # Jane Doe
    email = wanted.line_items.get().recipient_email
    # An email search is redirected to its token (issue 8, item 5), then answered.
    response = client.get("/", {"q": email.upper()}, headers={"HX-Request": "true"}, follow=True)
    html = response.content.decode()
    assert row_ids(html) == ([str(wanted.pk)] if found else [])


def test_the_detail_page_is_masked_until_unmasked_and_then_shows_everything(client, make_user):
    user = login(client, make_user, "Support")
    order = OrderFactory(**RILEY)
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Riley C." in html and "***34" in html
    assert "<dd>US" in html  # the country stays: it explains currency and delivery
    assert leaked(html) == []

    html = client.post(reverse("orders:unmask", args=[order.pk])).content.decode()
    for text in [*PERSONAL, "Riley Chen", "Chen Design LLC"]:
        assert text in html, text
    assert AuditEntry.objects.filter(action="recipient.unmask", actor=user).count() == 1


def test_a_role_without_view_recipient_never_sees_the_address(client, make_user):
    login(client, make_user, "Finance")
    order = OrderFactory(**RILEY)
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "Riley C." in html and leaked(html) == [] and "Chen Design" not in html
    assert client.post(reverse("orders:unmask", args=[order.pk])).status_code == 403


def reveal(client, fake_tango, credentials):
    fake_tango.reward = Reward(credentials=credentials, redemption_instructions="")
    line_item = at_tango(OrderFactory(placed=True)).line_items.get()
    url = reverse("orders:reveal", args=[line_item.pk])
    return client.post(url, {"reason": "ticket 9"}).content.decode()


def test_a_credential_that_is_not_https_is_plain_text(client, make_user, fake_tango):
    login(client, make_user, "Manager")
    html = reveal(
        client,
        fake_tango,
        (
            Credential(label="Link", value="javascript:alert(document.cookie)", type="url"),
            Credential(label="Other", value="http://rewards.example/plain", type="url"),
        ),
    )
    assert "javascript:alert(document.cookie)" in html  # shown, as text
    assert 'href="javascript:' not in html and 'href="http://rewards' not in html


def test_an_https_credential_links_out_without_an_opener(client, make_user, fake_tango):
    login(client, make_user, "Manager")
    html = reveal(
        client,
        fake_tango,
        (Credential(label="Redemption link", value="https://rewards.example/r/Q", type="text"),),
    )
    link = re.search(r'<a href="https://rewards.example/r/Q"[^>]*>', html)
    assert link, "an https credential is a link whatever its type"
    assert 'rel="noopener noreferrer"' in link[0] and 'target="_blank"' in link[0]


# --- Django admin -----------------------------------------------------------------------------


def resend_to_a_corrected_email(staff) -> OrderEvent:
    line_item = OrderFactory(placed=True).line_items.get()
    return resend.request_resend(
        line_item_id=line_item.pk,
        actor=Actor.for_user(staff, ip="127.0.0.1"),
        target=resend.ResendTarget(
            new_email="new.person@example.org", reason="typo in the address"
        ),
        enqueue=False,
    )


# Only the Admin role and superusers may enter the admin (rewards_admin.admin_site); the tests
# below that need an admin user without view_recipient trim it from the Admin group.
def admin_without_view_recipient(client, make_user):
    from django.contrib.auth.models import Group

    Group.objects.get(name="Admin").permissions.remove(
        Permission.objects.get(codename="view_recipient")
    )
    user = login(client, make_user, "Admin", username="masked-admin")
    assert not user.has_perm("orders.view_recipient")
    return user


@pytest.mark.parametrize("superuser", [False, True])
def test_admin_timeline_details_are_masked_for_every_role(client, make_user, superuser):
    event = resend_to_a_corrected_email(make_user("Support", username="resender"))
    assert event.details["new_email"] == "new.person@example.org"  # the task needs it
    login(client, make_user, "Admin", is_superuser=superuser)
    response = client.get(reverse("admin:orders_orderevent_change", args=[event.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "new.person@example.org" not in html
    assert "n***@example.org" in html


def test_admin_order_search_by_email_needs_view_recipient(client, make_user):
    order = OrderFactory(**RILEY)
    OrderFactory()
    url = reverse("admin:orders_order_changelist")

    admin_without_view_recipient(client, make_user)
    response = client.get(url, {"q": "riley.chen@example.com"})
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == []  # no "does this email exist?" oracle

    ensure_roles()  # the Admin role as shipped, with view_recipient
    login(client, make_user, "Admin")
    response = client.get(url, {"q": "riley.chen@example.com"})
    assert list(response.context["cl"].queryset) == [order]


def test_admin_line_item_is_masked_without_view_recipient(client, make_user):
    line_item = OrderFactory(**RILEY).line_items.get()
    admin_without_view_recipient(client, make_user)
    response = client.get(reverse("admin:orders_lineitem_change", args=[line_item.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Riley C." in html and "r***@example.com" in html and "***34" in html
    assert leaked(html) == [] and "Chen Design" not in html
    assert not AuditEntry.objects.filter(action="recipient.unmask").exists()


def test_admin_line_item_unmasked_with_view_recipient_is_audited(client, make_user):
    line_item = OrderFactory(**RILEY).line_items.get()
    user = login(client, make_user, "Admin")
    response = client.get(reverse("admin:orders_lineitem_change", args=[line_item.pk]))
    html = response.content.decode()
    assert "riley.chen@example.com" in html and "Springfield" in html
    audit = AuditEntry.objects.get(action="recipient.unmask")
    assert (audit.actor, audit.object_id) == (user, str(line_item.order_id))


def test_admin_webhook_body_and_payload_are_for_superusers_only(client, make_user):
    event = WebhookEvent.objects.create(
        event_id="evt-1",
        event_type="orderStatusChanged",
        body='{"recipient": {"email": "riley.chen@example.com"}}',
        payload={"recipient": {"email": "riley.chen@example.com"}},
    )
    url = reverse("admin:orders_webhookevent_change", args=[event.pk])
    staff = make_user("Admin", username="webhook-reader")
    staff.user_permissions.add(Permission.objects.get(codename="view_webhookevent"))
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200 and "orderStatusChanged" in response.content.decode()
    assert "riley.chen@example.com" not in response.content.decode()

    client.force_login(make_user(None, username="root", is_superuser=True))
    assert "riley.chen@example.com" in client.get(url).content.decode()
