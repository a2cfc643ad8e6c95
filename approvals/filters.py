"""The approval queue's filters: URL parameters onto ApprovalRequest QuerySet methods."""

from __future__ import annotations

import django_filters

from approvals.models import ApprovalRequest
from approvals.policy import Rule


class ApprovalFilter(django_filters.FilterSet):
    account = django_filters.CharFilter(method="by_account", label="Account")
    currency = django_filters.CharFilter(method="by_currency", label="Currency")
    rule = django_filters.ChoiceFilter(
        method="by_rule", label="Rule", choices=list(Rule.LABELS.items())
    )
    creator = django_filters.CharFilter(method="by_creator", label="Creator")
    batch = django_filters.CharFilter(method="by_batch", label="Batch")
    amount_min = django_filters.NumberFilter(method="by_amount_min", label="Amount from")
    amount_max = django_filters.NumberFilter(method="by_amount_max", label="Amount to")

    class Meta:
        model = ApprovalRequest
        fields: list[str] = []

    def by_account(self, queryset, name, value):
        return queryset.on_account(value.strip())

    def by_currency(self, queryset, name, value):
        return queryset.in_currency(value.strip())

    def by_rule(self, queryset, name, value):
        return queryset.hit_rule(value)

    def by_creator(self, queryset, name, value):
        return queryset.created_by_username(value.strip())

    def by_batch(self, queryset, name, value):
        return queryset.in_batch(value.strip())

    def by_amount_min(self, queryset, name, value):
        return queryset.amount_between(value, None)

    def by_amount_max(self, queryset, name, value):
        return queryset.amount_between(None, value)
