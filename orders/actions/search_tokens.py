"""Searches by email or phone, kept out of URLs (issue 8, item 5).

The orders list's filter form is POSTed; a search that looks like contact data is stored here
and the list's URL carries only an opaque token (`?qt=...`), so the address never reaches the
browser's history, a Referer, a proxy's or gunicorn's access log. A token is its user's alone
(another user's is "expired") and lives as long as a staff session can (SESSION_COOKIE_AGE).
Not audited: a search changes nothing.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction

from orders.filters import SEARCH_TEXT_MAX, token_cutoff
from orders.models import SearchToken


def issue_search_token(*, user: Any, text: str) -> str:
    """An opaque token for `user`'s search `text` (the same one while it lives, so typing and
    re-filtering does not pile rows up); the user's expired tokens are removed."""
    cutoff, text = token_cutoff(), text[:SEARCH_TEXT_MAX]
    with transaction.atomic():
        SearchToken.objects.filter(user=user, created_at__lte=cutoff).delete()
        existing = SearchToken.objects.live(cutoff).filter(user=user, text=text).first()
        if existing is not None:
            return existing.token
        return SearchToken.objects.create(
            token=secrets.token_urlsafe(24), user=user, text=text
        ).token
