"""The benchmark's cases: each a console request, Django admin's equivalent (if any) and the
page's main query, all measured in the same run against the same database.

The console's requests go through Django's test Client in this process (no network), logged
in as one superuser (the console's Admin role and Django admin alike). Data-dependent values
(an account with many orders, an email in use, orders with 3 / 40 / ~2,000 line items) are
looked up in the database first, so the cases work on any generated database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import urlencode

HTMX = {"HTTP_HX_REQUEST": "true"}
NEXT_CURSOR = re.compile(r"[?&;]after=([^&\"'#\s]+)")
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


@dataclass
class Case:
    name: str
    console: Callable[[Any], Any]  # client -> response
    admin: str | None = None  # admin URL, GET
    clear_cache: bool = False
    note: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    main: str = "slowest"  # which captured query is "the page's SQL": slowest or longest
    slow: bool = False  # timed with --slow-requests
    # The page's SQL when it runs outside Django's cursors (an export's server-side cursor).
    bare_sql: Callable[[], str] | None = None


def get(url: str, *, htmx: bool = False) -> Callable[[Any], Any]:
    def call(client: Any) -> Any:
        response = client.get(url, **(HTMX if htmx else {}))
        check(response, url)
        return response

    return call


def check(response: Any, url: str) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")


def search_form_method(client: Any) -> str:
    """'post' when the list's search box posts (the list may move email searches to a POST
    that answers with a token), else 'get'."""
    html = client.get("/").content.decode()
    for form in FORM.findall(html):
        if re.search(r"name=[\"']q[\"']", form):
            method = re.search(r"method=[\"'](\w+)", form)
            return (method.group(1) if method else "get").lower()
    return "get"


def email_search(client: Any, email: str) -> tuple[Callable[[Any], Any], str]:
    method = search_form_method(client)
    if method == "get":
        return get("/?" + urlencode({"q": email}), htmx=True), "GET ?q="
    action = _search_action(client)

    def call(c: Any) -> Any:
        response = c.post(action, {"q": email}, **HTMX)
        target = response.headers.get("HX-Redirect") or response.headers.get("Location")
        if response.status_code in (301, 302, 303) or target:
            response = c.get(target, **HTMX)
        check(response, action)
        return response

    return call, f"POST {action} then GET"


def _search_action(client: Any) -> str:
    html = client.get("/").content.decode()
    for form in FORM.findall(html):
        if re.search(r"name=[\"']q[\"']", form):
            action = re.search(r"action=[\"']([^\"']+)", form)
            return unescape(action.group(1)) if action and action.group(1) else "/"
    return "/"


def follow_cursor(client: Any, pages: int, *, per: int = 50, stride: int = 200) -> tuple[str, int]:
    """The URL of page `pages + 1` (of `per` rows): `after` links followed in pages of
    `stride` rows (a keyset cursor names a row, not a page size); the URL and rows skipped."""
    url, skipped = "/?" + urlencode({"per": stride}), 0
    cursor = None
    while skipped < pages * per:
        html = client.get(url, **HTMX).content.decode()
        match = NEXT_CURSOR.search(unescape(html))
        if not match:
            break
        cursor = unescape(match.group(1))
        skipped += stride
        url = "/?" + urlencode({"per": stride, "after": cursor})
    return ("/?" + urlencode({"after": cursor}) if cursor else "/"), skipped


def _params(query: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in query.split("&") if "=" in part)


def reference_data() -> dict[str, Any]:
    """Values from the database that the cases filter on."""
    from django.db.models import Count
    from django.utils import timezone

    from orders.models import LineItem, Order

    account = (
        Order.objects.values("account_id", "account__identifier")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    email = (
        LineItem.objects.exclude(recipient_email="")
        .order_by("-id")
        .values_list("recipient_email", flat=True)
        .first()
    )
    by_lines = {}
    for target in (3, 40, 2000):
        order_id = (
            LineItem.objects.values("order_id")
            .annotate(n=Count("id"))
            .filter(n__gte=target)
            .order_by("n")
            .values_list("order_id", "n")
            .first()
        )
        by_lines[target] = order_id
    newest = Order.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    since = ((newest or timezone.now()) - timedelta(days=30)).date()
    return {
        "account_id": account["account_id"] if account else None,
        "account": account["account__identifier"] if account else None,
        "email": email,
        "orders_by_lines": by_lines,
        "since": since.isoformat(),
    }


def build_cases(client: Any, ref: dict[str, Any], *, deep_pages: int) -> list[Case]:
    cases = [
        Case("list: no filter", get("/", htmx=True), "/admin/orders/order/"),
        Case(
            "list: PENDING",
            get("/?status=PENDING", htmx=True),
            "/admin/orders/order/?tango_status__exact=PENDING",
        ),
        Case(
            "list: PARTIAL + FAILED lines",
            get("/?status=PARTIAL&li_status=FAILED", htmx=True),
            "/admin/orders/order/?tango_status__exact=PARTIAL&line_item_status=FAILED",
        ),
    ]
    if ref["account"]:
        query = urlencode({"account": ref["account"], "created_from": ref["since"]})
        admin = urlencode(
            {
                "account__id__exact": ref["account_id"],
                "created_at__gte": ref["since"] + " 00:00:00+00:00",
            }
        )
        cases.append(
            Case(
                "list: account + last 30 days",
                get("/?" + query, htmx=True),
                "/admin/orders/order/?" + admin,
            )
        )
    if ref["email"]:
        call, how = email_search(client, ref["email"])
        cases.append(
            Case(
                "list: exact email",
                call,
                "/admin/orders/order/?" + urlencode({"q": ref["email"]}),
                note=how,
            )
        )
    url, skipped = follow_cursor(client, deep_pages)
    page = skipped // 50 + 1
    cases.append(
        Case(
            f"list: page {page} (after cursor)",
            get(url, htmx=True),
            f"/admin/orders/order/?p={page - 1}",  # admin's page size is 100: deeper still
            info={"rows_skipped": skipped},
        )
    )
    cases += [
        Case(
            "facets: no filter (cold)",
            get("/orders/facets/"),
            "/admin/orders/order/?_facets=1",
            clear_cache=True,
        ),
        Case(
            "facets: PARTIAL + FAILED (cold)",
            get("/orders/facets/?status=PARTIAL&li_status=FAILED"),
            "/admin/orders/order/?_facets=1&tango_status__exact=PARTIAL&line_item_status=FAILED",
            clear_cache=True,
        ),
    ]
    for found in ref["orders_by_lines"].values():
        if found:
            pk, lines = found
            cases.append(
                Case(
                    f"order page: {lines} lines",
                    get(f"/orders/{pk}/"),
                    f"/admin/orders/order/{pk}/change/",
                    info={"order_id": pk, "lines": lines},
                    slow=lines >= 1000,
                )
            )
    # Cold: the page reuses a report for a minute (finance/views/reports.py); measured without.
    cases.append(Case("finance reports (cold)", get("/finance/reports/"), clear_cache=True))
    if ref["account"]:
        cases.append(export_case(ref))
    return cases


def export_case(ref: dict[str, Any]) -> Case:
    query = urlencode({"account": ref["account"], "created_from": ref["since"]})
    data = {"kind": "orders", "file_format": "csv", "scope": "list", "query_string": query}

    def call(client: Any) -> Any:
        response = client.post("/finance/exports/", data)
        check(response, "/finance/exports/")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if not body:
            raise RuntimeError("empty export")
        return response

    def bare_sql() -> str:
        from django.contrib.auth import get_user_model
        from django.db import connection

        from finance.exports.sources import build_source

        user = get_user_model().objects.filter(is_superuser=True).first()
        source = build_source(
            kind="orders", scope="list", query_string=query, user=user, include_recipients=False
        )
        sql, params = source.queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            return cursor.mogrify(sql, params)

    return Case(
        "export: orders CSV (account, 30 days)",
        call,
        note="writes an audit row per run; SQL = the export's SELECT fetched whole",
        bare_sql=bare_sql,
    )
