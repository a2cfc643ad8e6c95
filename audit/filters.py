"""The audit page's filters (django-filter): every one is a URL parameter, so a filtered log
is a shareable link."""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.db.models import QuerySet

from audit.models import AuditEntry
from core.dates import DAY_INPUT_ATTRS, day_end, day_start, validate_day


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(
        field_name="actor__username", lookup_expr="iexact", label="User"
    )
    action = django_filters.CharFilter(lookup_expr="istartswith", label="Action")
    object_id = django_filters.CharFilter(label="Object id")
    object_repr = django_filters.CharFilter(lookup_expr="icontains", label="Object")
    at_from = django_filters.DateFilter(
        method="filter_from",
        label="From",
        widget=forms.DateInput(attrs=DAY_INPUT_ATTRS),
        validators=[validate_day],
    )
    at_to = django_filters.DateFilter(
        method="filter_to",
        label="To",
        widget=forms.DateInput(attrs=DAY_INPUT_ATTRS),
        validators=[validate_day],
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def filter_from(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(at__gte=day_start(value))

    def filter_to(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(at__lt=day_end(value))
