"""The new-order page (/orders/new/) and its HTMX fragments, as support uses them."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from entry.actions.new_order import new_form_token
from orders.models import Order
from tests.factories import CatalogItemFactory

NEW = "/orders/new/"


def token_of(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def entered(account, support, **changes):
    return {
        "intent": "submit",
        "token": new_form_token(support),
        "account": str(account.pk),
        "utid": "U100001",
        "amount": "25.00",
        "delivery_method": "EMAIL",
        "recipient_first_name": "Jane",
        "recipient_last_name": "Doe",
        "recipient_email": "jane@example.com",
        **changes,
    }


def test_the_url_and_the_nav_link(support_client, account):
    assert reverse("entry:new") == NEW
    page = support_client.get(reverse("orders:list")).content.decode()
    assert f'href="{NEW}"' in page and ">New order<" in page


def test_finance_has_no_link_and_gets_403(client, make_user):
    client.force_login(make_user("Finance"))
    assert ">New order<" not in client.get(reverse("orders:list")).content.decode()
    assert client.get(NEW).status_code == 403


def test_the_page_lists_accounts_with_balance_and_sync_time(support_client, account):
    page = support_client.get(NEW).content.decode()
    assert "acme-usd-01" in page and "balance 1,000.00 USD, synced 2026-12-01 09:30" in page
    assert token_of(page)
    assert "No reward picked yet" in page


def test_search_finds_rewards_by_brand_or_name_and_skips_inactive(support_client, catalog):
    CatalogItemFactory(utid="U100009", reward_name="Old Starbucks Card", status="inactive")
    by_brand = support_client.get(reverse("entry:rewards"), {"q": "starb"}).content.decode()
    assert "Starbucks Card $25" in by_brand and "U200025" in by_brand
    assert "Old Starbucks" not in by_brand
    assert "Fixed value 25.00 USD" in by_brand and "delivers by EMAIL, PHONE" in by_brand
    by_name = support_client.get(reverse("entry:rewards"), {"q": "visa prepaid"}).content.decode()
    assert "Physical Visa Prepaid Card" in by_name and "10.00 to 1,000.00 USD" in by_name
    assert (
        "No active reward matches"
        in support_client.get(reverse("entry:rewards"), {"q": "zzz"}).content.decode()
    )


def options(html: str) -> list[str]:
    select = re.search(r'<select name="delivery_method".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([A-Z_]+)"', select)


def test_picking_a_fixed_reward_sets_its_amount_and_its_methods(support_client, catalog):
    response = support_client.post(reverse("entry:fields"), {"pick_utid": "U200025", "amount": ""})
    html = response.content.decode()
    assert response["HX-Trigger"] == "reward-picked"
    assert 'name="utid" value="U200025"' in html and 'name="amount" value="25.00"' in html
    assert options(html) == ["NONE", "EMAIL", "PHONE", "WHATSAPP"]
    assert 'name="recipient_email"' in html and 'name="recipient_mobile"' not in html


def test_a_mailed_reward_offers_only_address_and_shows_the_address(support_client, catalog):
    html = support_client.post(
        reverse("entry:fields"), {"pick_utid": "U300001", "delivery_method": "EMAIL"}
    ).content.decode()
    assert options(html) == ["ADDRESS"]
    for name in ("address_street1", "address_city", "address_state", "address_postal_code"):
        assert f'name="{name}"' in html
    assert 'name="recipient_email"' not in html


def test_the_platforms_methods_limit_the_choice(support_client, catalog, settings):
    settings.TANGO_DELIVERY_METHODS = ["EMAIL"]
    html = support_client.post(reverse("entry:fields"), {"pick_utid": "U100001"}).content.decode()
    assert options(html) == ["EMAIL"]


def test_text_delivery_shows_the_mobile_with_the_plus_one_rule(support_client, catalog):
    html = support_client.post(
        reverse("entry:fields"),
        {"utid": "U100001", "delivery_method": "PHONE", "recipient_first_name": "Jo"},
    ).content.decode()
    assert 'name="recipient_mobile"' in html and "Tango texts only +1" in html
    assert 'name="recipient_first_name" value="Jo"' in html  # what was typed stays


def test_without_javascript_picking_re_renders_the_page(support_client, account, catalog):
    response = support_client.post(NEW, {"token": "t", "pick_utid": "U200025", "q": "star"})
    html = response.content.decode()
    assert response.status_code == 200 and not Order.objects.exists()
    assert "Starbucks Card $25" in html and 'name="amount" value="25.00"' in html
    searched = support_client.post(NEW, {"token": "t", "intent": "search", "q": "visa"})
    assert "Physical Visa Prepaid Card" in searched.content.decode()


def test_every_problem_shows_next_to_its_field_and_nothing_is_written(
    support_client, account, catalog, support
):
    data = entered(
        account,
        support,
        amount="5000",
        recipient_first_name="",
        recipient_email="not-an-email",
        sender_email="x@",
        campaign="c" * 1025,
    )
    response = support_client.post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 422
    assert not Order.objects.exists()
    for name, words in [
        ("amount", "goes up to 2000.00 USD"),
        ("recipient_first_name", "first name is required"),
        ("recipient_email", "email address is not valid"),
        ("sender_email", "sender&#x27;s email address is not valid"),
        ("campaign", "at most 1024 characters"),
    ]:
        field = re.search(
            rf'<div class="field has-error">\s*<label for="id_{name}".*?</div>', html, re.S
        )
        assert field is not None and words in field.group(0), name
    assert token_of(html) == data["token"]  # the same form: its next submit is still one order


def test_no_account_and_no_reward_are_field_problems(support_client, account, support, catalog):
    data = {**entered(account, support), "account": "", "utid": ""}
    html = support_client.post(NEW, data).content.decode()
    assert "Choose the account to pay from." in html and "A utid is required." in html


def test_submitting_below_the_limit_queues_and_says_why(
    support_client, account, catalog, policy, support
):
    response = support_client.post(NEW, entered(account, support), follow=True)
    order = Order.objects.get()
    assert response.redirect_chain == [(reverse("orders:detail", args=[order.pk]), 302)]
    assert order.state == "queued"
    assert "Queued for placement: no approval rule applies." in response.content.decode()


def test_submitting_above_the_limit_waits_and_says_the_rule(
    support_client, account, catalog, policy, support
):
    response = support_client.post(NEW, entered(account, support, amount="600"), follow=True)
    order = Order.objects.get()
    assert order.state == "awaiting_approval"
    html = response.content.decode()
    assert "Waiting for approval: amount 600.00 USD is above the 500.00 USD per-order limit" in html


def test_a_double_submit_creates_one_order(support_client, account, catalog, policy, support):
    data = entered(account, support)
    first = support_client.post(NEW, data)
    again = support_client.post(NEW, data, follow=True)
    order = Order.objects.get()
    assert first["Location"] == reverse("orders:detail", args=[order.pk])
    assert again.redirect_chain[-1][0] == first["Location"]
    assert "This form was already submitted" in again.content.decode()


def test_a_token_from_someone_else_is_refused(client, make_user, account, catalog, support):
    manager = make_user("Manager")
    client.force_login(manager)
    response = client.post(NEW, entered(account, support))  # support's token
    assert response.status_code == 422 and not Order.objects.exists()
    assert "opened by someone else" in response.content.decode()


def test_the_preview_in_the_accounts_currency(support_client, account, catalog):
    html = support_client.post(
        reverse("entry:preview"), {"account": account.pk, "utid": "U100001", "amount": "250"}
    ).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Face value 250.00 USD" in text
    assert "Fee none in the catalog" in text
    assert "Charged to the account 250.00 USD" in text
    assert "Balance of acme-usd-01 1,000.00 USD" in text
    assert "Balance after 750.00 USD" in text
    assert "Exchange rate" not in text


def test_a_cross_currency_preview_uses_tangos_rate(support_client, account, catalog, fake_tango):
    fake_tango.exchange_rates[("EUR", "USD")] = Decimal("1.10")
    html = support_client.post(
        reverse("entry:preview"), {"account": account.pk, "utid": "U400001", "amount": "100"}
    ).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Face value 100.00 EUR" in text
    assert "1 EUR = 1.10 USD" in text
    assert "Charged to the account 110.00 USD" in text and "Balance after 890.00 USD" in text
    assert fake_tango.calls == [
        ("get_exchange_rates", {"reward_currency": "EUR", "base_currency": "USD"})
    ]


def test_over_the_balance_the_preview_warns(support_client, account, catalog):
    html = support_client.post(
        reverse("entry:preview"), {"account": account.pk, "utid": "U100001", "amount": "1500"}
    ).content.decode()
    assert "more than the account's balance" in html and "-500.00 USD" in html


def test_the_preview_waits_for_account_reward_and_amount(support_client, account, catalog):
    html = support_client.post(reverse("entry:preview"), {"account": account.pk}).content.decode()
    assert "Choose an account, a reward and an amount" in html
    no_js = support_client.post(
        NEW, {"intent": "preview", "account": account.pk, "utid": "U100001", "amount": "10"}
    ).content.decode()
    assert "Balance after" in no_js and not Order.objects.exists()


@pytest.mark.parametrize("role", ["Manager", "Admin"])
def test_managers_and_admins_enter_orders_too(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(NEW).status_code == 200


def test_the_fields_a_method_needs_are_not_marked_optional(support_client, catalog):
    def optional(html: str, name: str) -> bool:
        label = re.search(rf'<label for="id_{name}">.*?</label>', html, re.S).group(0)
        return "(optional)" in label

    email = support_client.post(reverse("entry:fields"), {"utid": "U100001"}).content.decode()
    assert not optional(email, "recipient_email") and not optional(email, "amount")
    assert optional(email, "recipient_last_name")
    mailed = support_client.post(reverse("entry:fields"), {"utid": "U300001"}).content.decode()
    assert not optional(mailed, "recipient_last_name") and not optional(mailed, "address_city")
    assert optional(mailed, "address_street2") and optional(mailed, "address_company")


def test_a_refused_submit_keeps_the_preview_and_says_nothing_was_sent(
    support_client, account, catalog, support
):
    html = support_client.post(NEW, entered(account, support, recipient_email="x")).content.decode()
    assert "Nothing was sent" in html and "Balance after" in html


def test_an_unknown_account_is_one_problem_among_the_others(
    support_client, account, support, catalog
):
    data = {**entered(account, support, recipient_email=""), "account": "999999"}
    html = support_client.post(NEW, data).content.decode()
    assert html.count("Select a valid choice") == 1 and "Choose the account" not in html
    assert "An email address is required for EMAIL delivery." in html
    assert not Order.objects.exists()


def test_the_search_is_one_query(support_client, catalog, django_assert_num_queries):
    support_client.get(reverse("entry:rewards"), {"q": "card"})  # the session, once
    # Session, user, the user's and the groups' permissions, the search (brand joined).
    with django_assert_num_queries(5):
        html = support_client.get(reverse("entry:rewards"), {"q": "card"}).content.decode()
    assert "Starbucks Card $25" in html and "Physical Visa Prepaid Card" in html


def test_back_and_resubmit_with_other_values_still_leads_to_the_one_order(
    support_client, account, catalog, policy, support
):
    data = entered(account, support)
    first = support_client.post(NEW, data)
    again = support_client.post(NEW, {**data, "amount": "abc", "recipient_email": ""}, follow=True)
    assert Order.objects.count() == 1
    assert again.redirect_chain[-1][0] == first["Location"]
    assert "This form was already submitted" in again.content.decode()
