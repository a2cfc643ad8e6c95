"""Saved views: named orders-list filters shared with the whole team."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.db import transaction

from audit.services import record_action
from core.errors import ActionNotAllowed
from orders.models import SavedView

# Paging state is not part of a view: a saved view always opens on its first page.
TRANSIENT_PARAMS = frozenset({"after", "before", "start", "csrfmiddlewaretoken", "name"})


def clean_query_string(query_string: str) -> str:
    pairs = [
        (key, value)
        for key, value in parse_qsl(query_string.lstrip("?"), keep_blank_values=False)
        if key not in TRANSIENT_PARAMS
    ]
    return urlencode(pairs)


def save_view(
    *, name: str, query_string: str, acting_user: Any, ip_address: str | None
) -> SavedView:
    name = name.strip()
    if not name:
        raise ActionNotAllowed("Give the view a name.")
    if SavedView.objects.filter(name__iexact=name).exists():
        raise ActionNotAllowed(f"A saved view called “{name}” already exists.")
    with transaction.atomic():
        view = SavedView.objects.create(
            name=name, query_string=clean_query_string(query_string), owner=acting_user
        )
        record_action(
            acting_user=acting_user,
            action="saved_view.create",
            obj=view,
            after={"query_string": view.query_string},
            ip_address=ip_address,
        )
    return view


def delete_view(*, view_id: int, acting_user: Any, ip_address: str | None) -> None:
    with transaction.atomic():
        view = SavedView.objects.select_for_update().get(pk=view_id)
        record_action(
            acting_user=acting_user,
            action="saved_view.delete",
            obj=view,
            before={"name": view.name, "query_string": view.query_string},
            ip_address=ip_address,
        )
        view.delete()
