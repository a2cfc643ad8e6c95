"""The new-order form: /orders/new/ (routes listed here, joined in entry/urls.py).

* `new` (GET, POST): the page. A POST with intent "submit" validates (every problem next to
  its field, 422, nothing written) and enters the order; any other POST (a reward picked, a
  search or a preview without JavaScript) re-renders the page with what was typed.
* `rewards` (GET): the catalog search results (HTMX fragment).
* `fields` (POST): the reward block re-rendered for a picked reward or delivery method:
  its value and currency, the delivery methods it and the platform allow, the recipient
  fields that method uses (HTMX fragment).
* `preview` (POST): the cost preview (HTMX fragment).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import staff_view
from core.actor import Actor
from core.errors import ValidationFailed
from entry.actions.costs import preview_cost
from entry.actions.new_order import (
    StaleForm,
    already_entered,
    catalog_item_for,
    enter_order,
    new_form_token,
    validate_entry,
)
from entry.forms import NewOrderForm
from orders.actions.validation import methods_for_item
from orders.models import Account, CatalogItem
from orders.statuses import DeliveryMethod, ValueType

ENTER = ("orders.view_order", "orders.add_order")
SEARCH_LIMIT = 20


@require_http_methods(["GET", "POST"])
@staff_view(*ENTER)
def new_order(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        initial = {"token": new_form_token(request.user), **_prefill(request.GET)}
        return _page(request, _form(initial))
    if request.POST.get("intent") != "submit" or "pick_utid" in request.POST:
        form = _form(_typed(request.POST))
        results = _search(form.value_of("q")) if request.POST.get("intent") == "search" else None
        preview = _preview(form) if request.POST.get("intent") == "preview" else None
        return _page(request, form, results=results, preview=preview)
    actor = Actor.from_request(request)
    try:
        repeat = already_entered(request.POST.get("token", ""), actor)
    except StaleForm:
        repeat = None  # said with the form's problems below
    if repeat is not None:  # back and submit again, a double click: the order it made
        messages.info(request, repeat.message)
        return redirect("orders:detail", pk=repeat.order.pk)
    form = _form(request.POST, bound=True)
    valid = form.is_valid()  # only shapes Django itself checks (an account that exists)
    problems = validate_entry(form.cleaned_data)
    if valid and not problems:
        try:
            entered = enter_order(
                form.cleaned_data,
                token=form.cleaned_data["token"],
                actor=actor,
            )
        except StaleForm as refusal:
            form.add_error(None, str(refusal))
        except ValidationFailed as failed:  # the catalog changed between the two reads
            problems = failed.problems
        else:
            waiting = entered.outcome is not None and entered.outcome.waiting
            say = messages.info if entered.repeated else messages.success
            (messages.warning if waiting else say)(request, entered.message)
            return redirect("orders:detail", pk=entered.order.pk)
    for field, errors in problems.items():
        if field in form.errors:  # Django said it already (e.g. an account that is gone)
            continue
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    return _page(request, form, preview=_preview(form), status=422)


@require_GET
@staff_view(*ENTER)
def rewards(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    return render(
        request,
        "entry/includes/reward_results.html",
        {"results": _search(query), "q": query.strip()},
    )


@require_POST
@staff_view(*ENTER)
def fields(request: HttpRequest) -> HttpResponse:
    form = _form(_typed(request.POST))
    response = render(request, "entry/includes/reward_block.html", {"form": form})
    response["HX-Trigger"] = "reward-picked"  # the cost preview follows the new reward
    return response


@require_POST
@staff_view(*ENTER)
def preview(request: HttpRequest) -> HttpResponse:
    form = _form(_typed(request.POST))
    return render(request, "entry/includes/preview.html", {"preview": _preview(form), "form": form})


urlpatterns: list[URLPattern] = [
    path("new/", new_order, name="new"),
    path("new/rewards/", rewards, name="rewards"),
    path("new/fields/", fields, name="fields"),
    path("new/preview/", preview, name="preview"),
]


def _page(
    request: HttpRequest,
    form: NewOrderForm,
    *,
    results: list[CatalogItem] | None = None,
    preview: Any = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "results": results, "q": form.value_of("q"), "preview": preview}
    return render(request, "entry/new_order.html", context, status=status)


def _prefill(query: QueryDict) -> dict[str, str]:
    """GET ?account=<identifier>&utid=<utid>: a link can start the form on them."""
    prefill: dict[str, str] = {}
    account = Account.objects.filter(identifier=query.get("account", "")).first()
    if account is not None:
        prefill["account"] = str(account.pk)
    if query.get("utid"):
        prefill["utid"] = query["utid"]
        prefill["pick_utid"] = query["utid"]
    return prefill


def _typed(data: QueryDict) -> dict[str, str]:
    """What was typed, as initial values (a re-render shows no errors); a picked reward
    replaces the utid."""
    typed = {key: data.get(key, "") for key in data}
    typed.pop("csrfmiddlewaretoken", None)
    if data.get("pick_utid"):
        typed["utid"] = data["pick_utid"]
    return typed


def _form(data: Any, *, bound: bool = False) -> NewOrderForm:
    """The form for `data` (bound for a submit, else as initial values), with the delivery
    methods of its reward; a newly picked reward gets a method it supports and, when its
    value is fixed, that amount."""
    item = catalog_item_for(str(data.get("utid", "")))
    methods = methods_for_item(item)
    if bound:
        return NewOrderForm(data, methods=methods)
    initial = dict(data)
    if initial.get("delivery_method") not in methods and methods:
        initial["delivery_method"] = (
            DeliveryMethod.EMAIL if DeliveryMethod.EMAIL in methods else methods[0]
        )
    picked = bool(data.get("pick_utid"))
    if picked and item is not None and item.value_type == ValueType.FIXED_VALUE:
        initial["amount"] = f"{item.face_value:.2f}" if item.face_value is not None else ""
    return NewOrderForm(initial=initial, methods=methods)


def _search(query: str) -> list[CatalogItem]:
    query = query.strip()
    if not query:
        return []
    return list(
        CatalogItem.objects.select_related("brand")
        .filter(Q(reward_name__icontains=query) | Q(brand__name__icontains=query))
        .filter(Q(status__iexact="active") | Q(status=""))
        .order_by("brand__name", "reward_name")[:SEARCH_LIMIT]
    )


def _preview(form: NewOrderForm) -> Any:
    pk = form.value_of("account")
    account = Account.objects.filter(pk=pk).first() if pk.isdigit() else None
    return preview_cost(account=account, item=form.item, amount=form.value_of("amount"))
