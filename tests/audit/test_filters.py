"""AuditFilter (audit/filters.py): the audit page's filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from audit.filters import AuditFilter
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_audit_filter_by_user_action_and_day(make_user):
    user = make_user("Manager")
    AuditEntry.objects.create(actor=user, action="order.hold", object_id="1")
    AuditEntry.objects.create(actor=None, action="credential.reveal", object_id="2")
    today = timezone.localdate()

    def audit(query: str) -> list[str]:
        filterset = AuditFilter(QueryDict(query), queryset=AuditEntry.objects.all())
        return sorted(filterset.qs.values_list("action", flat=True))

    assert audit("actor=MANAGER-user") == ["order.hold"]
    assert audit("action=credential") == ["credential.reveal"]
    assert audit(f"at_from={today}&at_to={today}") == ["credential.reveal", "order.hold"]
    assert audit(f"at_from={today + timedelta(days=1)}") == []
