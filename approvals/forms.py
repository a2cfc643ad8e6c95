"""Forms of the approvals pages (the actions validate; these only carry the fields)."""

from __future__ import annotations

from django import forms

LIMIT_HELP = "Currency and amount, comma separated, e.g. USD 500, EUR 400."


class PolicyForm(forms.Form):
    per_order_limits = forms.CharField(
        required=False, label="Amount per order above", help_text=LIMIT_HELP
    )
    dual_approval_limits = forms.CharField(
        required=False,
        label="Two different approvers above",
        help_text="The second, higher threshold. " + LIMIT_HELP,
    )
    daily_creator_limits = forms.CharField(
        required=False, label="A creator's daily total above", help_text=LIMIT_HELP
    )
    batch_limits = forms.CharField(
        required=False, label="A batch's total above", help_text=LIMIT_HELP
    )
    accounts = forms.CharField(
        required=False,
        label="Every order on these accounts",
        help_text="Account identifiers, comma separated.",
    )
    utids = forms.CharField(
        required=False,
        label="Every order of these rewards",
        help_text="UTIDs, comma separated.",
    )
    # Required, but checked by save_policy with the rest, so every problem shows at once.
    note = forms.CharField(label="Why this change", max_length=500, required=False)


class EditWaitingOrderForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, label="Amount")
    recipient_first_name = forms.CharField(max_length=100, label="Recipient first name")
    recipient_last_name = forms.CharField(max_length=100, required=False, label="Last name")
    recipient_email = forms.EmailField(required=False, label="Recipient email")


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the rejection", widget=forms.Textarea(attrs={"rows": 2})
    )
