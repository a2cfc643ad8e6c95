"""The new-order form's fields. It only carries what was typed: every rule is the validator's
(entry.actions.new_order.validate_entry -> orders.actions.validation.validate_order), whose
problems are keyed by these field names, so each shows next to its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from entry.actions.new_order import catalog_item_for
from orders.actions.validation import required_fields
from orders.models import Account, CatalogItem
from orders.statuses import PHYSICAL_DELIVERY_METHODS, DeliveryMethod

TEXT_METHODS = (DeliveryMethod.PHONE, DeliveryMethod.WHATSAPP)
ADDRESS_FIELDS = (
    "address_company",
    "address_street1",
    "address_street2",
    "address_city",
    "address_state",
    "address_postal_code",
    "address_country",
)


def _text(label: str, help_text: str = "", **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, help_text=help_text, widget=forms.TextInput(attrs=attrs)
    )


def account_label(account: Account) -> str:
    synced = (
        date_format(timezone.localtime(account.balance_synced_at), "Y-m-d H:i")
        if account.balance_synced_at
        else "never synced"
    )
    return (
        f"{account.display_name} ({account.identifier}) · balance "
        f"{account.current_balance:,.2f} {account.currency}, synced {synced}"
    )


class AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:  # type: ignore[override]
        return account_label(obj)


class MethodChoice(forms.ChoiceField):
    """The choices are the methods the reward allows; what was posted is the validator's to
    judge (one message, in its words, not Django's "Select a valid choice")."""

    def validate(self, value: Any) -> None:
        return None


class NewOrderForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    account = AccountChoice(
        queryset=Account.objects.select_related("customer"),
        required=False,
        empty_label="Choose an account",
        label="Pay from account",
    )
    q = forms.CharField(
        label="Find a reward",
        required=False,
        help_text="Type a brand or reward name.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    utid = forms.CharField(widget=forms.HiddenInput, required=False, label="Reward")
    amount = _text("Amount", inputmode="decimal", autocomplete="off")
    delivery_method = MethodChoice(label="Delivery method", required=False, choices=())
    recipient_first_name = _text("Recipient first name")
    recipient_last_name = _text("Recipient last name")
    recipient_email = forms.CharField(
        label="Recipient email",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    recipient_mobile = _text(
        "Recipient mobile",
        "International format, e.g. +14155550100. Tango texts only +1 (US, Canada) numbers.",
        type="tel",
    )
    address_company = _text("Company")
    address_street1 = _text("Street line 1")
    address_street2 = _text("Street line 2")
    address_city = _text("City")
    address_state = _text("State or province", "Two-letter code in the US and Canada.")
    address_postal_code = _text("Postal code")
    address_country = _text("Country", "Two-letter ISO code, e.g. US.", maxlength="2")
    sender_first_name = _text("Sender first name")
    sender_last_name = _text("Sender last name")
    sender_email = forms.CharField(label="Sender email", required=False, widget=forms.EmailInput())
    email_subject = _text("Email subject", "Used with EMAIL delivery.")
    message = forms.CharField(
        label="Message", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    campaign = _text("Campaign")
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    purchase_order_number = _text("Purchase order number")

    def __init__(self, *args: Any, methods: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(DeliveryMethod.choices)
        field = self.fields["delivery_method"]
        field.choices = [(m, labels.get(m, m)) for m in methods]  # type: ignore[attr-defined]

    def value_of(self, name: str) -> str:
        value = self[name].value()
        return "" if value is None else str(value)

    @property
    def item(self) -> CatalogItem | None:
        if not hasattr(self, "_item"):
            self._item = catalog_item_for(self.value_of("utid"))
        return self._item

    @property
    def method(self) -> str:
        return self.value_of("delivery_method")

    @property
    def required_names(self) -> set[str]:
        return required_fields(self.method)

    def recipient_fields(self) -> list[forms.BoundField]:
        """The recipient fields the chosen delivery method uses."""
        names = ["recipient_first_name", "recipient_last_name"]
        if self.method in TEXT_METHODS:
            names.append("recipient_mobile")
        elif self.method in PHYSICAL_DELIVERY_METHODS:
            names.extend(ADDRESS_FIELDS)
        else:
            names.append("recipient_email")
        return [self[name] for name in names]
