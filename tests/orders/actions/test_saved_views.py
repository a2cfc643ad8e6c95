"""Saved views (orders/actions/saved_views.py): the FilterSet's parameters, never paging."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions.saved_views import delete_view, save_view
from orders.filters import saved_view_query_string

IP = "10.1.2.3"


def test_saved_view_keeps_filters_but_not_paging(staff):
    assert saved_view_query_string("?status=FAILED&after=abc&start=51&sort=-amount") == (
        "status=FAILED&sort=-amount"
    )
    view = save_view(
        name="Failed",
        query_string="status=FAILED&before=x",
        actor=Actor.for_user(staff, ip=IP),
    )
    assert view.query_string == "status=FAILED"
    with pytest.raises(ActionNotAllowed, match="already exists"):
        save_view(
            name="failed",
            query_string="",
            actor=Actor.for_user(staff, ip=IP),
        )
    delete_view(
        view_id=view.pk,
        actor=Actor.for_user(staff, ip=IP),
    )
    assert AuditEntry.objects.filter(action__startswith="saved_view.").count() == 2
