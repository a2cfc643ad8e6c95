"""The line items on an order's page: one page of them at a time, and their forms.

A bulk order has thousands of line items, so the page shows LINES_PER_PAGE of them (keyset
pages on line_number, `?after=` / `?before=` cursors) and whole-order figures from aggregate
queries (LineItemQuerySet.count_by_status, resend_possible, resend_in_flight).

Rendering a form's widgets was most of the page's time (a resend form alone is a dozen widget
templates, and a line has up to five forms), yet every line offers the same empty forms, only
its pk in their ids differs. So each kind of form is rendered once per process with PK
standing for the pk (blank_fields), and each line gets a copy with its own pk in (LineForms).
The <form> element around it (its action URL, its CSRF token) is written per line by
orders/templatetags/line_cards.py; a form bound to a POST that failed (its values and errors)
is rendered as it is, on its own line.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import forms as django_forms
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core.access import perm_blocker
from core.paging import Page, keyset_page
from core.pk_urls import pk_url
from orders.actions.resend import RESEND_MARKER_STALE, resend_available_at, resend_blocker
from orders.actions.rewards import LINE_ITEM_ACTIONS, line_item_action_blocker, reveal_blocker
from orders.forms import FIELD_TEMPLATES, LineItemActionForm, ResendForm, RevealForm
from orders.models import LineItem, Order
from orders.statuses import LineItemStatus, RewardStatus

LINES_PER_PAGE = 50
PAGE_PARAMS = ("after", "before", "start")
PK = "__pk__"  # stands for a line item's pk in a form rendered once per page
# Each line's action URLs (core.pk_urls: reversed once a page, not per line and action).
ACTION_URLS = {
    "cancel": "orders:cancel-line-item",
    "freeze": "orders:freeze-line-item",
    "unfreeze": "orders:unfreeze-line-item",
}


def first_blocker(*reasons: str | None) -> str | None:
    """The first reason an action is unavailable. What the order allows comes before the
    role: "Needs the Manager role" would be misleading when nobody may do it now."""
    return next((reason for reason in reasons if reason), None)


def _start(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def line_page(request: HttpRequest, order: Order, *, total: int | None = None) -> Page:
    """The page of `order`'s line items the URL asks for (the first without a cursor);
    `total`: how many the order has, if counted already (line_counts)."""
    page = keyset_page(
        order.line_items.select_related("catalog_item"),
        field="line_number",
        descending=False,
        per_page=LINES_PER_PAGE,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        start=_start(request.GET.get("start")),
        total=total,
    )
    for line_item in page.items:
        line_item.order = order  # the blockers read it: no join, no copy per line
    return page


def page_params(request: HttpRequest) -> str:
    """The URL parameters of the line page shown ("" for the first), for links and form
    actions that must come back to it (a credential is shown on its line, once)."""
    params = QueryDict(mutable=True)
    for name in PAGE_PARAMS:
        if request.GET.get(name):
            params[name] = request.GET[name]
    return params.urlencode()


class LineForms:
    """The line items' forms: each kind rendered once, copied per line with its pk."""

    def __init__(self, bound: dict[str, django_forms.Form], codes: dict[str, dict[str, str]]):
        self.bound = bound
        self.codes = codes
        self._html: dict[str, str] = {}

    def get(self, kind: str, pk: int) -> tuple[django_forms.Form | None, SafeString | None]:
        """(the form bound to this line's failed POST, None), or (None, the blank form's
        fields rendered for this line)."""
        form = self.bound.get(f"{kind}-{pk}")
        if form is not None:
            return form, None
        if kind not in self._html:
            codes = tuple(self.codes[kind].items()) if kind in LINE_ITEM_ACTIONS else ()
            self._html[kind] = blank_fields(kind, codes)
        # The copy differs only by the pk (digits) where PK stood: as safe as the original.
        return None, mark_safe(self._html[kind].replace(PK, str(pk)))  # noqa: S308


@lru_cache(maxsize=32)
def blank_fields(kind: str, codes: tuple[tuple[str, str], ...]) -> str:
    """A blank form's fields with PK for the pk: the same on every page, so rendered once per
    process (an action form's reason codes, read from Tango, are part of the key)."""
    if kind == "order-resend":
        form: django_forms.Form = ResendForm(auto_id="id_order_%s")
    elif kind == "resend":
        form = ResendForm(auto_id=f"id_li{PK}_%s")
    elif kind == "reveal":
        form = RevealForm(auto_id=f"id_li{PK}_%s")
    else:
        form = LineItemActionForm(action=kind, codes=dict(codes), auto_id=f"id_li{PK}{kind}_%s")
    return render_to_string(FIELD_TEMPLATES[kind], {"form": form})


def line_rows(
    user: Any, line_items: list[LineItem], forms: LineForms, throttles: dict, revealed: dict
) -> list[dict[str, Any]]:
    may_resend = perm_blocker(user, "orders.resend_reward")
    may_reveal = perm_blocker(user, "orders.reveal_credential")
    may_manage = perm_blocker(user, "orders.manage_line_item")
    no_codes = {
        action: None if forms.codes[action] else "Tango's reason codes could not be read."
        for action in LINE_ITEM_ACTIONS
    }
    stale = timezone.now() - RESEND_MARKER_STALE
    rows = []
    for li in line_items:
        marker = li.resend_requested_at
        available = [t for t in (resend_available_at(li), throttles.get(li.pk)) if t]
        is_choice = li.catalog_item is None or li.catalog_item.is_choice_product
        issued = li.status == LineItemStatus.COMPLETE
        frozen = li.reward_status == RewardStatus.FROZEN
        # Only the actions that make sense for this reward are shown (unfreeze only when
        # frozen); those shown but not possible now are disabled with the reason.
        shown = ["cancel", "unfreeze" if frozen else "freeze"] if is_choice and issued else []
        resend = first_blocker(resend_blocker(li), may_resend)
        reveal = first_blocker(reveal_blocker(li), may_reveal)
        # Only a form the line offers is copied in (the template shows the reason otherwise).
        resend_form, resend_fields = (None, None) if resend else forms.get("resend", li.pk)
        reveal_form, reveal_fields = (None, None) if reveal else forms.get("reveal", li.pk)
        actions = []
        for action in shown:
            blocker = first_blocker(
                line_item_action_blocker(li, action), may_manage, no_codes[action]
            )
            form, fields = (None, None) if blocker else forms.get(action, li.pk)
            actions.append(
                {
                    "name": action,
                    "blocker": blocker,
                    "form": form,
                    "fields": fields,
                    "url": pk_url(ACTION_URLS[action], li.pk),
                }
            )
        rows.append(
            {
                "li": li,
                # A role that may never resend sees no resend control at all (issue 4).
                "resend_shown": may_resend is None,
                "resend_url": pk_url("orders:resend-line-item", li.pk),
                "reveal_url": pk_url("orders:reveal", li.pk),
                "in_flight": bool(marker and marker > stale),
                "resend_blocker": resend,
                "resend_available_at": max(available) if available else None,
                "resend_form": resend_form,
                "resend_fields": resend_fields,
                "reveal_blocker": reveal,
                "reveal_form": reveal_form,
                "reveal_fields": reveal_fields,
                "reward": revealed.get(li.pk),
                "is_choice": is_choice,
                "issued": issued,
                "actions": actions,
            }
        )
    return rows


def line_counts(order: Order) -> tuple[int, list[dict[str, Any]]]:
    """How many line items the whole order has, and how many per status (one GROUP BY)."""
    counts = order.line_items.count_by_status()
    known = [value for value, _ in LineItemStatus.choices]
    ordered = sorted(counts, key=lambda s: (s == "", known.index(s) if s in known else len(known)))
    return sum(counts.values()), [{"status": s, "count": counts[s]} for s in ordered]
