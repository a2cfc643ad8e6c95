"""Forms for staff actions. Each validates input; the actions decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from core import emails, phones
from orders.actions.resend import RESEND_REASON_CODES, ResendTarget
from orders.actions.rewards import LINE_ITEM_ACTIONS, reason_codes
from orders.models import BulkJob


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Internal note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Visible to staff only"}),
    )


class ResendForm(forms.Form):
    DESTINATIONS = [
        ("same", "Same address"),
        ("email", "Corrected email"),
        ("mobile", "Corrected mobile number"),
    ]
    destination = forms.ChoiceField(
        choices=DESTINATIONS, initial="same", widget=forms.RadioSelect, label="Send to"
    )
    # Tango's rules (core/emails.py), not only Django's syntax: a 65-character local part
    # would pass EmailField and be refused by Tango after the resend was queued.
    new_email = forms.CharField(
        required=False,
        label="Corrected email",
        validators=[emails.validate_email],
        widget=forms.EmailInput,
    )
    new_mobile = forms.CharField(
        required=False,
        label="Corrected mobile (E.164)",
        widget=forms.TextInput(attrs={"placeholder": phones.EXAMPLE, "inputmode": "tel"}),
    )
    same_recipient = forms.BooleanField(required=False, label="I confirmed this is the same person")
    reason_code = forms.ChoiceField(
        choices=list(RESEND_REASON_CODES.items()), initial="NOT_RECEIVED", label="Reason"
    )
    reason = forms.CharField(required=False, max_length=500, label="Details")

    def clean_new_mobile(self) -> str:
        value = (self.cleaned_data.get("new_mobile") or "").strip()
        if not value:
            return ""
        try:
            return phones.normalize_mobile(value)  # E.164, what Tango expects
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        destination = data.get("destination")
        if destination == "email" and not data.get("new_email"):
            self.add_error("new_email", "Enter the corrected email address.")
        if destination == "mobile" and not data.get("new_mobile"):
            self.add_error("new_mobile", "Enter the corrected mobile number.")
        if destination in {"email", "mobile"}:
            if not data.get("same_recipient"):
                self.add_error(
                    "same_recipient", "Confirm the new address belongs to the same recipient."
                )
            if not (data.get("reason") or "").strip():
                self.add_error("reason", "Say why the address changed.")
        if data.get("reason_code") == "OTHER" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Describe the reason.")
        return data

    def target(self) -> ResendTarget:
        data = self.cleaned_data
        return ResendTarget(
            new_email=data["new_email"] if data["destination"] == "email" else "",
            new_mobile=data["new_mobile"] if data["destination"] == "mobile" else "",
            reason_code=data["reason_code"],
            reason=data["reason"].strip(),
        )


class HoldForm(forms.Form):
    note = forms.CharField(
        label="Reason for the hold",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. recipient asked to wait"}),
    )


class ReleaseForm(forms.Form):
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need the credential?",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. ticket #1234, recipient on the phone"}),
    )


class LineItemActionForm(forms.Form):
    reason_code = forms.ChoiceField(label="Reason")
    other_reason = forms.CharField(label="Details", max_length=500, required=False)

    def __init__(
        self, *args: Any, action: str, codes: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        """`codes`: Tango's reason codes for `action` when the caller has read them already."""
        super().__init__(*args, **kwargs)
        codes = reason_codes(action) if codes is None else codes
        self.fields["reason_code"].choices = [("", "Choose…"), *codes.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reason_code") == "OTHER" and not (data.get("other_reason") or "").strip():
            self.add_error("other_reason", "Describe the reason.")
        return data


class SavedViewForm(forms.Form):
    name = forms.CharField(
        label="Save this view as",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Failed line items, last 24 h"}),
    )
    query_string = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=BulkJob.Action.choices, label="Bulk action")
    ids = forms.TypedMultipleChoiceField(coerce=int, required=False)
    all_matching = forms.BooleanField(required=False)
    query_string = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any integer is accepted here; the service checks what the ids are allowed to be.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("ids") and not data.get("all_matching"):
            raise forms.ValidationError("Select orders, or choose all orders matching the filter.")
        return data


# The templates of the order page's blank forms' fields (orders.views.line_items.blank_fields
# renders them once per process; orders/templatetags/line_cards.py a form bound to a failed POST).
FIELD_TEMPLATES = {
    "resend": "orders/includes/resend_fields.html",
    "reveal": "orders/includes/reveal_fields.html",
    "order-resend": "orders/includes/resend_fields.html",  # the order's "Resend all"
    **dict.fromkeys(LINE_ITEM_ACTIONS, "orders/includes/line_action_fields.html"),
}
