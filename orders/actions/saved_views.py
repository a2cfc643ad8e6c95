"""Saved views: named orders-list filters shared with the whole team (audited; no order, so
no timeline row). What a view keeps of the list's URL is the FilterSet's parameters plus sort
and page size (orders.filters.SAVED_VIEW_PARAMS)."""

from __future__ import annotations

from django.db import transaction
from django.http import QueryDict

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.filters import looks_like_contact, saved_view_query_string
from orders.models import SavedView


def save_view(*, name: str, query_string: str, actor: Actor) -> SavedView:
    name = name.strip()
    if not name:
        raise ActionNotAllowed("Give the view a name.")
    kept = QueryDict(saved_view_query_string(query_string))
    if kept.get("qt") or looks_like_contact(kept.get("q") or ""):
        # A view is a link shared with the team: contact data never goes into one.
        raise ActionNotAllowed(
            "A saved view cannot keep a search by email or phone (contact data never goes "
            "into a link): clear the search box, then save the view."
        )
    if SavedView.objects.filter(name__iexact=name).exists():
        raise ActionNotAllowed(f"A saved view called “{name}” already exists.")
    with transaction.atomic():
        view = SavedView.objects.create(
            name=name, query_string=saved_view_query_string(query_string), owner=actor.user_or_none
        )
        record(
            actor=actor,
            action=AuditAction.SAVED_VIEW_CREATE,
            obj=view,
            after={"query_string": view.query_string},
        )
    return view


def delete_view(*, view_id: int, actor: Actor) -> None:
    with transaction.atomic():
        view = SavedView.objects.select_for_update().get(pk=view_id)
        record(
            actor=actor,
            action=AuditAction.SAVED_VIEW_DELETE,
            obj=view,
            before={"name": view.name, "query_string": view.query_string},
        )
        view.delete()
