"""The run button's date range and a mismatch's resolution."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone


class RunForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def default(cls) -> RunForm:
        today = timezone.localdate()
        return cls(initial={"start": today - timedelta(days=7), "end": today})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The range must end after it starts.")
        return data

    def range(self) -> tuple[datetime, datetime]:
        """Whole days in the site's time zone, the last one included."""
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.cleaned_data["start"], time.min, tzinfo=zone)
        end = datetime.combine(self.cleaned_data["end"] + timedelta(days=1), time.min, tzinfo=zone)
        return start, min(end, timezone.now())


class ResolveForm(forms.Form):
    ACTIONS = [
        ("resync", "Re-sync"),
        ("adopt", "Adopt Tango's value"),
        ("explain", "Mark explained"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    note = forms.CharField(required=False, max_length=2000, label="Note")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "explain" and not (data.get("note") or "").strip():
            self.add_error("note", "Say why the difference is right.")
        return data
