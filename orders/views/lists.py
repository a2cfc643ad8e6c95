"""The orders list: filters, facets, sorting, keyset pages, saved views.

Plain GET renders the page; HTMX requests (the filter form, sort links, pager) get the
`order-table` fragment plus a lazy loader for the facet counts, so typing in the search box
never waits for a GROUP BY. The filter state lives in the URL.

The filter form is POSTed (order_search), which answers with the list's URL for it (a 303, or
HX-Location for HTMX): a search by email or phone becomes a token of the user's (`?qt=...`),
so contact data never reaches a URL, the history, a Referer or an access log. A GET that
still carries one (an old link) is redirected the same way.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.access import is_fragment_request, staff_view, vary_on_htmx
from core.actor import Actor
from core.errors import ActionNotAllowed
from core.paging import keyset_page
from orders.actions.saved_views import delete_view, save_view
from orders.actions.search_tokens import issue_search_token
from orders.filters import (
    FACETS,
    OrderFilter,
    filter_query_string,
    looks_like_contact,
    saved_view_query_string,
)
from orders.forms import BulkForm, SavedViewForm
from orders.models import BulkJob, FacetCount, LineItem, Order, SavedView

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
# sort parameter -> column; every one is NOT NULL, which keyset pagination needs, and the
# first three have an index on (column, id) that the cursor's row comparison seeks with.
# "created" is the order's date: Tango's createdAt (ordered_at), not when our row was written.
SORTS = {
    "created": "ordered_at",
    "amount": "amount",
    "status": "tango_status",
    "state": "state",
    "account": "account__identifier",
}
DEFAULT_SORT = "-created"
FACET_CACHE_SECONDS = 30


def _sort(request: HttpRequest) -> tuple[str, str, bool]:
    value = request.GET.get("sort") or DEFAULT_SORT
    name = value.lstrip("-")
    if name not in SORTS:
        value, name = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    return value, SORTS[name], value.startswith("-")


def _per_page(request: HttpRequest) -> int:
    try:
        per = int(request.GET.get("per", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return per if per in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _int(value: str | None, default: int = 1) -> int:
    try:
        return max(1, int(value or default))
    except ValueError:
        return default


def _without_contact_search(params: QueryDict, user: object) -> QueryDict | None:
    """`params` with a search that looks like an email or phone swapped for a token of the
    user's (None if there is no such search)."""
    text = (params.get("q") or "").strip()
    if not looks_like_contact(text):
        return None
    params = params.copy()
    del params["q"]
    params["qt"] = issue_search_token(user=user, text=text)
    return params


def _list_url(params: QueryDict) -> str:
    query = params.urlencode()
    return reverse("orders:list") + (f"?{query}" if query else "")


def cached_facets(filterset: OrderFilter, filter_qs: str) -> dict[str, dict[str, int] | None]:
    """Orders per order status and per line-item status, each ignoring its own filter, cached
    briefly: paging and sorting reuse them. A count over its time budget is None (blank)."""
    key = "order-facets:" + hashlib.sha256(filter_qs.encode()).hexdigest()
    counts = cache.get(key)
    if counts is None:
        budget = settings.ORDER_FACET_BUDGET_MS
        status_qs = filterset.queryset_without("status")
        li_status_qs = filterset.queryset_without("li_status")
        rolled = _rolled_up(filterset, status_qs, li_status_qs)
        counts = {
            "status": rolled["status"]
            if "status" in rolled
            else status_qs.count_by_status(budget_ms=budget),
            "li_status": rolled["li_status"]
            if "li_status" in rolled
            else li_status_qs.count_by_line_item_status(budget_ms=budget),
        }
        cache.set(key, counts, FACET_CACHE_SECONDS)
    return counts


def _rolled_up(filterset: OrderFilter, status_qs, li_status_qs) -> dict[str, dict[str, int]]:
    """The facets the rollup answers exactly (orders.models.facets): those whose other filters
    are none, only order statuses, or one line-item status. Decided by comparing SQL, so a
    filter that narrows the orders in any other way is always counted by SQL."""
    if not FacetCount.available():
        return {}
    base = filterset.queryset.all()
    same = str(base.query)
    data = getattr(filterset.form, "cleaned_data", {}) if filterset.is_bound else {}
    statuses = list(data.get("status") or [])
    line_statuses = list(data.get("li_status") or [])
    rolled: dict[str, dict[str, int]] = {}
    status_sql = str(status_qs.query)
    if status_sql == same:
        rolled["status"] = FacetCount.by_order_status()
    elif len(line_statuses) == 1 and status_sql == str(
        filterset.filters["li_status"].filter(base, line_statuses).query
    ):
        rolled["status"] = FacetCount.by_order_status(line_statuses[0])
    li_sql = str(li_status_qs.query)
    if li_sql == same:
        rolled["li_status"] = FacetCount.by_line_status()
    elif statuses and li_sql == str(filterset.filters["status"].filter(base, statuses).query):
        rolled["li_status"] = FacetCount.by_line_status(statuses)
    return rolled


def _facet_rows(filterset: OrderFilter, counts: dict[str, dict[str, int]]) -> dict[str, list]:
    """One row per value of our vocabulary, then one per other value Tango sent (counted, so
    a status we do not know yet is shown and selectable rather than silently left out)."""
    rows: dict[str, list] = {}
    for name in FACETS:
        selected = set(filterset.form.data.getlist(name)) if filterset.is_bound else set()
        known = list(filterset.filters[name].extra["choices"])
        values = {value for value, _ in known}
        others = sorted(
            {v for v in (counts.get(name) or {}) if v and v not in values}
            | {v for v in selected if v and v not in values}
        )
        rows[name] = [
            {
                "value": value,
                "label": label,
                # None: too many orders to count within the budget; shown blank.
                "count": None if counts.get(name) is None else counts[name].get(value, 0),
                "checked": value in selected,
                "id": f"f-{name}-{_slug(value)}",
            }
            for value, label in [*known, *((value, value) for value in others)]
        ]
    return rows


def _slug(value: str) -> str:
    """An HTML id part for any status value ("SCHEDULED DELIVERY" has a space)."""
    return re.sub(r"[^A-Za-z0-9_]", "-", value)


@require_POST
@staff_view("orders.view_order")
def order_search(request: HttpRequest) -> HttpResponse:
    """The filter form: answers with the list's URL for it, a contact search as a token.
    HTMX then loads that URL into the table and pushes it (HX-Location); without JavaScript
    the browser is redirected to it."""
    params = QueryDict(saved_view_query_string(request.POST.urlencode()), mutable=True)
    url = _list_url(_without_contact_search(params, request.user) or params)
    if is_fragment_request(request):
        response = HttpResponse()
        response["HX-Location"] = json.dumps(
            {"path": url, "target": "#order-table", "swap": "outerHTML"}
        )
        return response
    return HttpResponseRedirect(url, status=303)


@require_GET
@staff_view("orders.view_order")
def order_list(request: HttpRequest) -> HttpResponse:
    if (tokenized := _without_contact_search(request.GET, request.user)) is not None:
        return redirect(_list_url(tokenized))  # an old link: keep the address out of history
    # A bulk order can have thousands of line items: the list fetches the first few of each
    # order (for_list) and how many there are (count_per_order over the page's ids).
    filterset = OrderFilter(request.GET or None, queryset=Order.objects.for_list(), request=request)
    sort, field, descending = _sort(request)
    per_page = _per_page(request)
    page = keyset_page(
        filterset.qs,
        field=field,
        descending=descending,
        per_page=per_page,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        start=_int(request.GET.get("start")),
    )
    counts = LineItem.objects.count_per_order([order.pk for order in page.items])
    for order in page.items:
        order.line_count = counts.get(order.pk, 0)
    filter_qs = filter_query_string(request.GET)
    context = {
        "filter": filterset,
        "page": page,
        "sort": sort,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "filter_qs": filter_qs,
        "can_bulk": request.user.has_perm("orders.add_bulkjob"),
        "bulk_actions": BulkJob.Action.choices,
    }
    if is_fragment_request(request):
        return vary_on_htmx(render(request, "orders/order_list.html#order-table", context))
    context["facets"] = _facet_rows(filterset, cached_facets(filterset, filter_qs))
    context["saved_views"] = (
        SavedView.objects.select_related("owner")
        if request.user.has_perm("orders.view_savedview")
        else []
    )
    context["saved_view_form"] = SavedViewForm(initial={"query_string": filter_qs})
    context["bulk_form"] = BulkForm(initial={"query_string": filter_qs})
    return vary_on_htmx(render(request, "orders/order_list.html", context))


@require_GET
@staff_view("orders.view_order")
def order_facets(request: HttpRequest) -> HttpResponse:
    """The facet counts for a filter, as out-of-band swaps of each count (loaded lazily)."""
    if (tokenized := _without_contact_search(request.GET, request.user)) is not None:
        return redirect(f"{reverse('orders:facets')}?{tokenized.urlencode()}")
    filterset = OrderFilter(request.GET or None, queryset=Order.objects.all(), request=request)
    counts = cached_facets(filterset, filter_query_string(request.GET))
    context = {"facets": _facet_rows(filterset, counts)}
    return render(request, "orders/order_list.html#facet-counts", context)


@require_POST
@staff_view("orders.add_savedview")
def saved_view_create(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    query_string = saved_view_query_string(request.POST.get("query_string", ""))
    if form.is_valid():
        try:
            view = save_view(
                name=form.cleaned_data["name"],
                query_string=query_string,
                actor=Actor.from_request(request),
            )
        except ActionNotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Saved view “{view.name}” is shared with the team.")
    else:
        messages.error(request, "Give the view a name.")
    params = QueryDict(query_string)
    return redirect(_list_url(_without_contact_search(params, request.user) or params))


@require_POST
@staff_view("orders.view_savedview")
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(SavedView, pk=pk)
    if view.owner_id != request.user.pk and not request.user.has_perm("orders.delete_savedview"):
        raise PermissionDenied("Only its owner or an Admin can delete this saved view.")
    delete_view(view_id=view.pk, actor=Actor.from_request(request))
    messages.success(request, f"Saved view “{view.name}” deleted.")
    return redirect("orders:list")
