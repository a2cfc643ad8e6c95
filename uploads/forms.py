"""The confirm form: all valid rows, or a selection (accounts, row numbers, without the rows
the policy would hold), and what each choice will do before anything is placed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, Q

from core.errors import ValidationFailed
from orders.models import Account
from uploads.actions.selection import Selection, parse_numbers
from uploads.models import Upload

ALL, SOME = "all", "some"


class ConfirmForm(forms.Form):
    which = forms.ChoiceField(
        choices=[(ALL, "All valid rows"), (SOME, "A selection")],
        initial=ALL,
        widget=forms.RadioSelect,
        label="Rows to place",
    )
    accounts = forms.ModelMultipleChoiceField(
        queryset=Account.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Accounts",
        help_text="None ticked: every account.",
    )
    rows = forms.CharField(
        required=False,
        max_length=2000,
        label="Row numbers",
        help_text="As in the file, e.g. 2-40, 57. Empty: every row.",
    )
    skip_approval = forms.BooleanField(
        required=False, label="Leave out the rows that would wait for approval"
    )

    def __init__(self, *args: Any, upload: Upload, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = Account.objects.filter(
            pk__in=upload.rows.filter(valid=True, order__isnull=True).values("account_id")
        ).order_by("identifier")
        self.fields["accounts"].label_from_instance = lambda a: a.identifier

    def clean_rows(self) -> str:
        text = self.cleaned_data["rows"]
        try:
            parse_numbers(text)
        except ValidationFailed as exc:
            raise forms.ValidationError(" ".join(exc.problems.messages())) from None
        return text

    def selection(self) -> Selection:
        data = self.cleaned_data
        if data["which"] == ALL:
            return Selection()
        return Selection(
            accounts=tuple(a.pk for a in data["accounts"]),
            numbers=data["rows"],
            skip_approval=data["skip_approval"],
        )


def placement_plan(upload: Upload) -> list[dict[str, Any]]:
    """Per account, how its valid unplaced rows would go: bulk orders (async), single orders,
    approval, as the dry run judged them (confirm judges the chosen rows again)."""
    rows = upload.rows.filter(valid=True, order__isnull=True)
    plan = rows.values("account__identifier", "account__async_orders_enabled").annotate(
        rows=Count("pk"), approval=Count("pk", filter=Q(approvals_needed__gt=0))
    )
    out = []
    for entry in plan.order_by("account__identifier"):
        direct = entry["rows"] - entry["approval"]
        bulk = entry["account__async_orders_enabled"]
        out.append(
            {
                "account": entry["account__identifier"],
                "rows": entry["rows"],
                "approval": entry["approval"],
                "bulk": direct if bulk else 0,
                "single": 0 if bulk else direct,
            }
        )
    return out
