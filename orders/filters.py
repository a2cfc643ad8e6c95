"""The orders list's filter form (django-filter); the audit log's is audit/filters.py.

Every filter maps one URL parameter onto a QuerySet method of orders/querysets.py (the reads
live there, for the list, its facets, bulk jobs and exports alike), so a filtered list is a
shareable link and the browser's back button restores it. To add a filter: a QuerySet method,
then a field here calling it; its URL parameter joins FILTER_PARAMS by itself.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import django_filters
from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from core.dates import DAY_INPUT_ATTRS, validate_day
from core.widgets import FastSelect
from orders.models import Account, Brand, Customer, Order, SearchToken
from orders.models.order import STATUS_LENGTH
from orders.statuses import (
    DeliveryMethod,
    EmailStatus,
    LineItemStatus,
    OrderStatus,
    PlacementState,
)

# Facet dimensions (URL parameters) that show a count next to each value.
FACETS = ("status", "li_status")
CREATED_WITHIN = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}
# The value that selects "none" (no campaign, no PO number, not created here) in a text filter.
NONE_VALUE = "(none)"
TIME_ZONES = sorted(available_timezones())
_TIME_ZONE_CHOICES = [(name, name) for name in TIME_ZONES]


def time_zone_choices() -> list[tuple[str, str]]:
    """The time zone filter's ~600 choices, as a callable: every request's FilterSet and form
    deep-copy their filters and fields, and a list here was copied twice a request."""
    return _TIME_ZONE_CHOICES


# A search by email or phone stays out of URLs: the list's URL carries a token (`qt`) of the
# user's that stands for it (orders.actions.search_tokens), resolved here.
SEARCH_TEXT_MAX = 1000
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]+$")
SEARCH_EXPIRED = (
    "This link's search has expired (searches by email or phone are not kept in links): "
    "search again."
)
# Shown instead of a bare "No orders match" when the role may not search by email.
EMAIL_SEARCH_REFUSED = (
    "Your role cannot search by recipient email (contact data is hidden from it). Search by "
    "referenceOrderID, externalRefID or recipient name instead."
)


def looks_like_contact(text: str) -> bool:
    """Whether a search looks like (part of) an email address or a phone number: such a search
    never goes into a URL."""
    text = text.strip()
    digits = sum(ch.isdigit() for ch in text)
    return "@" in text or (digits >= 6 and bool(_PHONE_LIKE.match(text)))


def token_cutoff(now: datetime | None = None) -> datetime:
    """Search tokens issued before this have expired (a token lives as long as a session)."""
    return (now or timezone.now()) - timedelta(seconds=settings.SESSION_COOKIE_AGE)


class AnyStatusField(django_filters.fields.MultipleChoiceField):
    """Our vocabulary's values as choices, and any other status Tango sent too: Tango adds
    values (TANGO_API.md §2.3) and one we do not know yet must still be selectable."""

    def valid_value(self, value: Any) -> bool:
        text = str(value)
        # PostgreSQL text holds no NUL byte: such a value is refused, never sent to the query.
        return bool(text) and len(text) <= STATUS_LENGTH and "\x00" not in text


class AnyStatusFilter(django_filters.MultipleChoiceFilter):
    field_class = AnyStatusField


class OrderFilter(django_filters.FilterSet):
    # `qt`: a search by email or phone, by the token that stands for it (see above).
    qt = django_filters.CharFilter(method="filter_search_token", widget=forms.HiddenInput)
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
    status = AnyStatusFilter(
        choices=OrderStatus.choices,
        method="filter_status",
        label="Order status",
        widget=forms.CheckboxSelectMultiple,
    )
    li_status = AnyStatusFilter(
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
        queryset=Customer.objects.all(),
        to_field_name="identifier",
        empty_label="Any customer",
        widget=FastSelect,
    )
    account = django_filters.ModelChoiceFilter(
        queryset=Account.objects.all(),
        to_field_name="identifier",
        empty_label="Any account",
        widget=FastSelect,
    )
    brand = django_filters.ModelChoiceFilter(
        queryset=Brand.objects.all(),
        to_field_name="brand_key",
        method="filter_brand",
        label="Brand",
        empty_label="Any brand",
        null_label="(no brand)",
        widget=FastSelect,
        null_value=NONE_VALUE,
    )
    utid = django_filters.CharFilter(method="filter_utid", label="UTID")
    created_from = django_filters.DateFilter(
        method="filter_created_from",
        label="Created from",
        widget=forms.DateInput(attrs=DAY_INPUT_ATTRS),
        validators=[validate_day],
    )
    created_to = django_filters.DateFilter(
        method="filter_created_to",
        label="Created to",
        widget=forms.DateInput(attrs=DAY_INPUT_ATTRS),
        validators=[validate_day],
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
        widget=forms.DateInput(attrs=DAY_INPUT_ATTRS),
        validators=[validate_day],
    )
    ordered_to = django_filters.DateFilter(
        method="filter_ordered_to",
        label="Ordered to",
        widget=forms.DateInput(attrs=DAY_INPUT_ATTRS),
        validators=[validate_day],
    )
    tz = django_filters.ChoiceFilter(
        choices=time_zone_choices,
        method="filter_nothing",
        label="Time zone",
        empty_label="Site time zone",
        widget=FastSelect,
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

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        # A live search token of this user's becomes its search (`q`, shown in the search box);
        # any other token matches nothing and says why (filter_search_token).
        self._token_expired = False
        if data is not None and data.get("qt"):
            user = getattr(kwargs.get("request"), "user", None)
            text = SearchToken.objects.text_for(
                getattr(user, "pk", None), str(data.get("qt")), token_cutoff()
            )
            data = data.copy()
            if text is not None:
                del data["qt"]
                data["q"] = text
            else:
                self._token_expired = True
        super().__init__(data, *args, **kwargs)
        self._known_references: dict[str, bool] = {}
        self.search_notice = ""  # why the search cannot match, said to the user

    # --- each URL parameter onto its QuerySet method (orders/querysets.py) ---
    def filter_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.with_status(value) if value else queryset

    def filter_li_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.with_line_item_status(value) if value else queryset

    def filter_email_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.with_email_status(value) if value else queryset

    def filter_brand(self, queryset: QuerySet, name: str, value: Brand | str | None) -> QuerySet:
        if not value:
            return queryset
        return queryset.with_brand(None if value == NONE_VALUE else value)

    def filter_utid(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.with_utid(value) if value else queryset

    def filter_created_from(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.created_from(value)

    def filter_created_to(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.created_to(value)

    def filter_created_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.created_since(timezone.now() - CREATED_WITHIN[value])

    def zone(self) -> ZoneInfo:
        """The time zone the ordered_* dates are read in (`tz`, default the site's)."""
        chosen = self.form.cleaned_data.get("tz") if self.form.is_valid() else None
        return ZoneInfo(chosen or settings.TIME_ZONE)

    def filter_nothing(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset  # `tz` only says how the ordered_* dates are read

    def filter_ordered_from(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.ordered_from(value, self.zone())

    def filter_ordered_to(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.ordered_to(value, self.zone())

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

    def filter_search_token(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not self._token_expired:
            return queryset
        self.search_notice = SEARCH_EXPIRED
        return queryset.none()

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Roles without access to contact data search by reference or name, not by email.
        emails_allowed = self.request is None or self.request.user.has_perm("orders.view_recipient")
        if not emails_allowed and "@" in value:
            self.search_notice = EMAIL_SEARCH_REFUSED
        return queryset.search(value, emails_allowed=emails_allowed, known=self._known_references)

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


# --- the orders list's URL parameters -----------------------------------------------------------

# Every filter is a URL parameter of the list; all its other parameters say how the list is
# shown (sort, per) or paged (after, before, start) and never change the matching orders.
FILTER_PARAMS = frozenset(OrderFilter.base_filters)
# A saved view keeps the filters and how the list is shown, never its paging (nor a form's
# CSRF token or the view's name): it always opens on its first page.
SAVED_VIEW_PARAMS = FILTER_PARAMS | {"sort", "per"}


def filter_query_string(params: QueryDict) -> str:
    """The filters among `params` as a query string: it identifies a set of matching orders."""
    return _keep(params, FILTER_PARAMS)


def saved_view_query_string(query_string: str) -> str:
    """What a saved view stores of a list URL's query string (blank values dropped)."""
    return _keep(QueryDict(query_string.lstrip("?")), SAVED_VIEW_PARAMS, drop_blank=True)


def _keep(params: QueryDict, names: frozenset[str], *, drop_blank: bool = False) -> str:
    kept = QueryDict(mutable=True)
    for key, values in params.lists():
        if key in names:
            kept.setlist(key, [v for v in values if v] if drop_blank else values)
    return kept.urlencode()
