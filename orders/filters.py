"""The orders list's filter form (django-filter); the audit log's is audit/filters.py.

Every filter maps to a URL parameter, so a filtered list is a shareable link and the browser's
back button restores it. Filters on line items are EXISTS subqueries (no JOIN, no DISTINCT),
so combining order status with line-item status (e.g. PARTIAL orders with FAILED line items)
stays one indexed query.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import django_filters
from django import forms
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from core.dates import day_end, day_start
from orders.models import Account, Brand, Customer, LineItem, Order
from orders.statuses import (
    DeliveryMethod,
    EmailStatus,
    LineItemStatus,
    OrderStatus,
    PlacementState,
)

# Facet dimensions (URL parameters) that show a count next to each value.
FACETS = ("status", "li_status")
# The value that selects "none" (no campaign, no PO number, not created here) in a text filter.
NONE_VALUE = "(none)"
TIME_ZONES = sorted(available_timezones())
_EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _line_items(**lookups: Any) -> Exists:
    return Exists(LineItem.objects.filter(order=OuterRef("pk"), **lookups))


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Reference, externalRefID, recipient email or name",
                "autocomplete": "off",
                "data-shortcut-search": "",
            }
        ),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=OrderStatus.choices,
        method="filter_status",
        label="Order status",
        widget=forms.CheckboxSelectMultiple,
    )
    li_status = django_filters.MultipleChoiceFilter(
        choices=LineItemStatus.choices,
        method="filter_li_status",
        label="Line-item status",
        widget=forms.CheckboxSelectMultiple,
    )
    state = django_filters.MultipleChoiceFilter(
        field_name="state",
        choices=PlacementState.choices,
        distinct=False,
        label="Placement",
        widget=forms.CheckboxSelectMultiple,
    )
    email_status = django_filters.MultipleChoiceFilter(
        choices=EmailStatus.choices,
        method="filter_email_status",
        label="Email status",
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    delivery = django_filters.MultipleChoiceFilter(
        field_name="delivery_method",
        choices=DeliveryMethod.choices,
        distinct=False,
        label="Delivery method",
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    customer = django_filters.ModelChoiceFilter(
        queryset=Customer.objects.all(), to_field_name="identifier", empty_label="Any customer"
    )
    account = django_filters.ModelChoiceFilter(
        queryset=Account.objects.all(), to_field_name="identifier", empty_label="Any account"
    )
    brand = django_filters.ModelChoiceFilter(
        queryset=Brand.objects.all(),
        to_field_name="brand_key",
        method="filter_brand",
        label="Brand",
        empty_label="Any brand",
    )
    utid = django_filters.CharFilter(method="filter_utid", label="UTID")
    created_from = django_filters.DateFilter(
        method="filter_created_from",
        label="Created from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        method="filter_created_to",
        label="Created to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_within = django_filters.ChoiceFilter(
        choices=[("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days")],
        method="filter_created_within",
        label="Created within",
        empty_label="Any time",
    )
    # Dated like the finance reports (Order.ordered_at: Tango's createdAt, else ours), whole
    # days in the time zone `tz` (default the site's), so a report cell drills down exactly.
    ordered_from = django_filters.DateFilter(
        method="filter_ordered_from",
        label="Ordered from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ordered_to = django_filters.DateFilter(
        method="filter_ordered_to",
        label="Ordered to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    tz = django_filters.ChoiceFilter(
        choices=[(name, name) for name in TIME_ZONES],
        method="filter_nothing",
        label="Time zone",
        empty_label="Site time zone",
    )
    campaign = django_filters.CharFilter(method="filter_campaign", label="Campaign")
    po = django_filters.CharFilter(method="filter_po", label="Purchase order number")
    creator = django_filters.CharFilter(method="filter_creator", label="Created by (username)")
    currency = django_filters.CharFilter(method="filter_currency", label="Account currency")
    reward_currency = django_filters.CharFilter(
        method="filter_reward_currency", label="Reward currency"
    )
    amount_min = django_filters.NumberFilter(
        field_name="amount", lookup_expr="gte", label="Amount from"
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount", lookup_expr="lte", label="Amount to"
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reference_hits: dict[str, bool] = {}

    # --- filter methods (reads go through the QuerySet methods where one exists) ---
    def filter_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.with_status(value) if value else queryset

    def filter_li_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.with_line_item_status(value) if value else queryset

    def filter_email_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(_line_items(email_status__in=value)) if value else queryset

    def filter_brand(self, queryset: QuerySet, name: str, value: Brand | None) -> QuerySet:
        return queryset.filter(_line_items(catalog_item__brand=value)) if value else queryset

    def filter_utid(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(_line_items(utid__iexact=value)) if value else queryset

    def filter_created_from(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        # A range on the indexed column, not created_at__date (which defeats the index).
        return queryset.filter(created_at__gte=day_start(value))

    def filter_created_to(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(created_at__lt=day_end(value))

    def filter_created_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        spans = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}
        return queryset.filter(created_at__gte=timezone.now() - spans[value])

    def zone(self) -> ZoneInfo:
        """The time zone the ordered_* dates are read in (`tz`, default the site's)."""
        chosen = self.form.cleaned_data.get("tz") if self.form.is_valid() else None
        return ZoneInfo(chosen or settings.TIME_ZONE)

    def filter_nothing(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # `tz` only says how the ordered_* dates are read

    def filter_ordered_from(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.ordered_between(start=day_start(value, self.zone()))

    def filter_ordered_to(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.ordered_between(end=day_end(value, self.zone()))

    def filter_campaign(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_campaign("" if value == NONE_VALUE else value) if value else queryset

    def filter_po(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        return queryset.with_purchase_order_number("" if value == NONE_VALUE else value)

    def filter_creator(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        return queryset.created_by_username(None if value == NONE_VALUE else value)

    def filter_currency(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.charged_in(value.strip().upper()) if value else queryset

    def filter_reward_currency(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.in_reward_currency(value.strip().upper()) if value else queryset

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """One box for referenceOrderID, externalRefID, recipient email or recipient name.

        References are matched exactly on their unique indexes (and win outright), a full email
        on the lower(email) index; only a name falls back to a substring scan. An OR of all of
        them would make the database scan every order for every search.
        """
        text = value.strip()
        if not text:
            return queryset
        if "@" in text:
            if self.request is not None and not self.request.user.has_perm("orders.view_recipient"):
                # Without access to contact data an email search would confirm whether someone
                # is a recipient; such roles search by reference or name instead.
                return queryset.none()
            lowered = text.lower()
            emails = (
                LineItem.objects.annotate(email_lower=Lower("recipient_email")).filter(
                    email_lower=lowered
                )
                if _EMAIL_LIKE.match(text)
                else LineItem.objects.filter(recipient_email__istartswith=text)
            )
            return queryset.filter(Exists(emails.filter(order=OuterRef("pk"))))
        if " " not in text:
            reference = Q(reference_order_id__in={text, text.upper()}) | Q(external_ref_id=text)
            # Asked once per request (the facets apply this filter again).
            if text not in self._reference_hits:
                self._reference_hits[text] = Order.objects.filter(reference).exists()
            if self._reference_hits[text]:
                return queryset.filter(reference)
        names = Q()
        for word in text.split()[:3]:
            names &= Q(recipient_first_name__icontains=word) | Q(
                recipient_last_name__icontains=word
            )
        return queryset.filter(Exists(LineItem.objects.filter(names, order=OuterRef("pk"))))

    # --- facets ---
    def queryset_without(self, name: str) -> QuerySet:
        """The filtered queryset, ignoring one filter (facet counts show what adding a value
        of that dimension would give)."""
        queryset = self.queryset.all()
        if not self.is_bound:
            return queryset
        self.errors  # noqa: B018 - validates the form; invalid fields are ignored, as in .qs
        for filter_name, value in self.form.cleaned_data.items():
            if filter_name != name:
                queryset = self.filters[filter_name].filter(queryset, value)
        return queryset

    def facet_counts(self, budget_ms: int | None = None) -> dict[str, dict[str, int] | None]:
        """Orders per order status and per line-item status: one GROUP BY each.

        With `budget_ms` (PostgreSQL), a count that takes longer is given up and comes back as
        None: counts are shown where they are cheap, never at the price of a slow page.
        """
        by_status = (
            self.queryset_without("status")
            .order_by()
            .values_list("tango_status")
            .annotate(n=Count("pk"))
        )
        by_line_item = (
            LineItem.objects.filter(order__in=self.queryset_without("li_status").values("pk"))
            .order_by()
            .values_list("status")
            .annotate(n=Count("order_id", distinct=True))
        )
        return {
            "status": _within_budget(by_status, budget_ms),
            "li_status": _within_budget(by_line_item, budget_ms),
        }


def _within_budget(counts: QuerySet, budget_ms: int | None) -> dict[str, int] | None:
    if not budget_ms or connection.vendor != "postgresql":
        return dict(counts)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            previous = cursor.fetchone()[0]
            cursor.execute("SET LOCAL statement_timeout = %s", [f"{int(budget_ms)}ms"])
            result = dict(counts)
            # Inside an outer transaction SET LOCAL would outlive this block: put it back.
            # (After a timeout the rollback of this block undoes it by itself.)
            cursor.execute("SET LOCAL statement_timeout = %s", [previous])
            return result
    except OperationalError:  # the budget ran out (query_canceled)
        return None
