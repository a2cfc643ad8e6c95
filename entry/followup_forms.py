"""The forms of the follow-ups: re-order failed rewards, reissue a Choice-product reward.

Recipient fields start empty, the current value shown masked as the placeholder: empty keeps
it. Contact data is masked by default (core.masking), so a form never prints it unmasked.
Tango's rules (amount range, recipient for the delivery method...) are the actions' to check
(orders.actions.validation via create_order; Tango's own answer for a reissue); their
problems are put back on these fields.
"""

from __future__ import annotations

from typing import Any

from django import forms

from core.errors import Problems
from core.masking import mask_email, mask_name, mask_phone
from entry.actions.reorder import ReorderLine
from orders.actions.validation import methods_for_item
from orders.statuses import PHYSICAL_DELIVERY_METHODS, DeliveryMethod

REISSUE_REASON_CODES = {
    # POST /lineItems/{id}/reissue's reason codes (TANGO_API.md §7.3).
    "DELIVERY_INFO": "Wrong delivery details",
    "REWARD_AMOUNT": "Wrong amount",
    "REWARD_TYPE": "Wrong reward",
    "RECIPIENT": "Wrong recipient",
    "CURRENCY": "Wrong currency",
    "RECIPIENT_REQUESTED": "Recipient asked for it",
    "OTHER": "Other",
}
REISSUE_DELIVERY_METHODS = {
    "": "Same as now",
    "EMAIL": "Email",
    "PHONE": "Text message",
    "NONE": "None (credentials handed over by us)",
    "EMBEDDED": "Embedded",
    "EMBEDDED_COMPONENT": "Embedded component",
    "WHATSAPP": "WhatsApp",
    "BULKDIGITAL": "Bulk digital",
}
ADDRESS_FIELDS = (
    "address_company",
    "address_street1",
    "address_street2",
    "address_city",
    "address_state",
    "address_postal_code",
    "address_country",
)
RECIPIENT_FIELDS = (
    "recipient_first_name",
    "recipient_last_name",
    "recipient_email",
    "recipient_mobile",
)


class RecipientFields(forms.Form):
    """New recipient values; empty keeps the current one (shown masked as the placeholder)."""

    recipient_first_name = forms.CharField(label="First name", max_length=100, required=False)
    recipient_last_name = forms.CharField(label="Last name", max_length=100, required=False)
    recipient_email = forms.EmailField(label="Email", required=False)
    recipient_mobile = forms.CharField(label="Mobile", max_length=16, required=False)

    def __init__(self, *args: Any, line_item: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_item = line_item
        last = line_item.recipient_last_name
        current = {
            # The first name is what masking shows anyway ("Riley C."), the last an initial.
            "recipient_first_name": line_item.recipient_first_name,
            "recipient_last_name": mask_name("", last),
            "recipient_email": mask_email(line_item.recipient_email),
            "recipient_mobile": mask_phone(line_item.recipient_mobile),
        }
        for name, value in current.items():
            self.fields[name].widget.attrs["placeholder"] = value or "(none)"
            self.fields[name].help_text = "Empty keeps the current value."

    def recipient(self) -> dict[str, str]:
        """The recipient to use: what was typed, else the current value."""
        return {
            name: self.cleaned_data.get(name) or getattr(self.line_item, name)
            for name in RECIPIENT_FIELDS
        }

    def add_problems(self, problems: Problems, prefix: str = "") -> bool:
        """Put the action's problems on these fields; True when any belonged here."""
        found = False
        for key, messages in problems.items():
            if not key.startswith(prefix):
                continue
            name = key[len(prefix) :]
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
            found = True
        return found


class ReorderLineForm(RecipientFields):
    """One failed line of the re-order page (prefix `li<pk>`): amount, delivery method (those
    the reward and the platform allow, as for a new order), recipient and postal address."""

    include = forms.BooleanField(label="Re-order this reward", required=False, initial=True)
    amount = forms.DecimalField(label="Amount", max_digits=12, decimal_places=2, min_value=0)
    delivery_method = forms.ChoiceField(label="Delivery method", choices=(), required=False)
    address_company = forms.CharField(label="Company", max_length=100, required=False)
    address_street1 = forms.CharField(label="Street line 1", max_length=100, required=False)
    address_street2 = forms.CharField(label="Street line 2", max_length=100, required=False)
    address_city = forms.CharField(label="City", max_length=100, required=False)
    address_state = forms.CharField(label="State or province", max_length=100, required=False)
    address_postal_code = forms.CharField(label="Postal code", max_length=20, required=False)
    address_country = forms.CharField(label="Country", max_length=2, required=False)

    field_order = ["include", "amount", "delivery_method", *RECIPIENT_FIELDS, *ADDRESS_FIELDS]

    def __init__(self, *args: Any, line_item: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "amount": line_item.amount,
                "include": True,
                "delivery_method": line_item.delivery_method,
            },
        )
        kwargs.setdefault("prefix", f"li{line_item.pk}")
        super().__init__(*args, line_item=line_item, **kwargs)
        labels = dict(DeliveryMethod.choices)
        methods = methods_for_item(line_item.catalog_item)
        if line_item.delivery_method and line_item.delivery_method not in methods:
            methods.insert(0, line_item.delivery_method)
        self.fields["delivery_method"].choices = [(m, labels.get(m, m)) for m in methods]
        for name in ADDRESS_FIELDS:
            kept = getattr(line_item, name)
            # Like the recipient: the current address is not printed, empty keeps it.
            self.fields[name].widget.attrs["placeholder"] = "(current kept)" if kept else "(none)"
        self.fields[
            "address_street1"
        ].help_text = "Physical rewards only. Empty fields keep the current address."

    def reorder_line(self) -> ReorderLine:
        """The line to re-order as entered (empty recipient or address fields keep the
        current value; a method that mails nothing sends no address)."""
        data = self.cleaned_data
        method = data["delivery_method"] or self.line_item.delivery_method
        address: dict[str, str] = {}
        if method in PHYSICAL_DELIVERY_METHODS:
            address = {
                name.removeprefix("address_"): data.get(name) or getattr(self.line_item, name)
                for name in ADDRESS_FIELDS
            }
        return ReorderLine(
            line_item_id=self.line_item.pk,
            amount=data["amount"],
            delivery_method=method,
            address=tuple(address.items()),
            **self.recipient(),
        )


class ReissueForm(RecipientFields):
    """A reissue: the new reward's amount, delivery method and recipient, and Tango's reason."""

    amount = forms.DecimalField(
        label="Amount", max_digits=12, decimal_places=2, min_value=0, required=False
    )
    delivery_method = forms.ChoiceField(
        label="Delivery method", choices=REISSUE_DELIVERY_METHODS.items(), required=False
    )
    reason_code = forms.ChoiceField(
        label="Reason", choices=[("", "Choose…"), *REISSUE_REASON_CODES.items()]
    )
    other_reason = forms.CharField(label="Other reason", max_length=150, required=False)

    field_order = ["amount", "delivery_method", *RECIPIENT_FIELDS, "reason_code", "other_reason"]

    def __init__(self, *args: Any, line_item: Any, **kwargs: Any) -> None:
        super().__init__(*args, line_item=line_item, **kwargs)
        self.fields["amount"].widget.attrs["placeholder"] = f"{line_item.amount} (same)"
        self.fields[
            "amount"
        ].help_text = "Empty keeps the amount. The approval policy applies (e.g. a higher amount)."

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reason_code") == "OTHER" and not data.get("other_reason", "").strip():
            self.add_error("other_reason", "Describe the reason when choosing Other.")
        return data
