"""Permission sweep: every console URL, as anonymous and as each role, and CSRF on every POST.

Every role here is a staff account (conftest's make_user); a role group without is_staff gets
the 403 page everywhere.

The table below is checked against the project's URLconf (rewards_admin.urls: every app's
URLs, not only orders'), so a new URL without a row fails this test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from approvals.actions.submit import submit_orders
from approvals.models import ApprovalPolicy
from core.actor import Actor
from core.roles import ROLE_PERMISSIONS
from finance.models import ExportJob, PeriodClose
from orders.models import BulkJob, Order, SavedView, WebhookEvent
from orders.sync import passes
from recon.models import Mismatch, ReconRun
from tests.factories import OrderFactory, at_tango
from uploads.models import Upload

ROLES = ["Support", "Finance", "Manager", "Admin"]
# Public health check; HMAC-authenticated webhook.
NOT_CONSOLE = {"orders:healthz", "orders:tango-webhook"}


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    perms: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)
    ok: tuple[int, ...] = (200,)


RESEND = {"destination": "same", "reason_code": "NOT_RECEIVED"}
REPORTS = ("orders.view_order", "orders.view_reports")
EXPORTS = ("orders.view_order", "orders.export_orders")
EXPORT = {"kind": "orders", "file_format": "csv", "scope": "list", "query_string": ""}
FINANCE_ROUTES = [
    Route("finance:reports", "get", REPORTS),
    Route("finance:chart-status", "get", REPORTS),
    Route("finance:chart-spend", "get", REPORTS),
    Route("finance:export", "get", EXPORTS),
    Route("finance:export", "post", EXPORTS, EXPORT),
    Route("finance:export-columns", "get", EXPORTS),
    # Someone else's export job does not exist for you (404); its owner's 200 is in
    # tests/finance/test_permissions.py, which sweeps the finance URLs as their owners too.
    Route("finance:export-job", "get", EXPORTS, ok=(404,)),
    Route("finance:export-download", "get", EXPORTS, ok=(404,)),
    Route("finance:tax", "get", REPORTS),
    Route("finance:closes", "get", REPORTS),
    Route("finance:close", "post", (*REPORTS, "finance.close_period"), {}, (302,)),
    Route("finance:close-detail", "get", REPORTS),
    Route("finance:balances", "get", ("orders.view_account",)),
    Route("finance:balances-refresh", "post", ("orders.view_account",), {}, (302,)),
    Route(
        "finance:balance-threshold",
        "post",
        ("orders.view_account", "finance.change_balancethreshold"),
        {"amount": "100.00"},
        (302,),
    ),
]
SYNC = ("health.view_synchealth",)
HEALTH_ROUTES = [
    Route("health:page", "get", SYNC),
    Route("health:replay", "post", (*SYNC, "health.replay_webhook"), {}, (302,)),
    Route("health:renew", "post", (*SYNC, "health.renew_subscription"), {}, (302,)),
    Route("health:fill", "post", (*SYNC, "health.replay_webhook"), {}, (302,)),
]
DECIDE = ("orders.view_order", "orders.approve_order")
APPROVAL_ROUTES = [
    Route("approvals:queue", "get", DECIDE),
    Route("approvals:funds", "get", DECIDE, ok=(302,)),  # a fragment: the page without HTMX
    # The waiting order of the world was made by nobody here: a permitted role approves it.
    Route("approvals:decide", "post", DECIDE, {"decision": "approve"}, (302,)),
    Route("approvals:order-decide", "post", DECIDE, {"decision": "approve"}, (302,)),
    Route("approvals:order-edit", "get", ("orders.view_order", "approvals.edit_waiting_order")),
    Route("approvals:policy", "get", ("approvals.view_approvalpolicy",)),
]
REORDER = ("orders.view_order", "orders.reorder_reward")
REISSUE = ("orders.view_order", "orders.reissue_reward")
FOLLOWUP_ROUTES = [
    # The world's order is COMPLETE: the page says why nothing can be re-ordered, a POST
    # goes back to the order with that message.
    Route("entry:reorder", "get", REORDER),
    Route("entry:reorder", "post", REORDER, {}, (302,)),
    Route("entry:reissue", "get", REISSUE),
    Route("entry:reissue", "post", REISSUE, {"reason_code": "RECIPIENT"}, (302,)),
]
UPLOAD = ("uploads.add_upload",)
UPLOAD_ROUTES = [
    Route("uploads:index", "get", UPLOAD),
    Route("uploads:index", "post", UPLOAD, {}, (400,)),  # no file: the page says so
    Route("uploads:template", "get", UPLOAD),
    Route("uploads:detail", "get", UPLOAD),
    Route("uploads:error-file", "get", (*UPLOAD, "orders.view_recipient")),
    Route("uploads:confirm", "post", UPLOAD, {}, (302,)),
    Route("uploads:rows", "get", UPLOAD, ok=(302,)),  # a plain GET: sent to the page
    Route("uploads:results", "post", UPLOAD, {"file_format": "csv"}),
]
RECON = ("recon.view_mismatch", "recon.view_reconrun")
RECON_ROUTES = [
    Route("recon:queue", "get", RECON),
    Route("recon:runs", "get", RECON),
    Route(
        "recon:start",
        "post",
        (*RECON, "recon.run_reconciliation"),
        {"start": "2026-03-01", "end": "2026-03-02"},
        (302,),
    ),
    Route(
        "recon:resolve",
        "post",
        (*RECON, "recon.resolve_mismatch"),
        {"action": "explain", "note": "known"},
        (302,),
    ),
]
ENTER = ("orders.view_order", "orders.add_order")
ENTRY_ROUTES = [
    Route("entry:new", "get", ENTER),
    # An empty submit: every problem next to its field (422), nothing written.
    Route("entry:new", "post", ENTER, {"intent": "submit"}, (422,)),
    Route("entry:rewards", "get", ENTER, {"q": "reward"}),
    Route("entry:fields", "post", ENTER, {"pick_utid": "U100001"}),
    Route("entry:preview", "post", ENTER),
]
ROUTES = [
    Route("orders:list", "get", ("orders.view_order",)),
    Route("orders:facets", "get", ("orders.view_order",)),
    Route("orders:search", "post", ("orders.view_order",), {"q": "x"}, ok=(303,)),
    Route("orders:detail", "get", ("orders.view_order",)),
    Route("audit:log", "get", ("audit.view_auditentry",)),
    Route("orders:bulk-job", "get", ("orders.view_bulkjob",)),
    Route(
        "orders:add-note",
        "post",
        ("orders.view_order", "orders.add_note"),
        {"text": "hi"},
        ok=(302,),
    ),
    Route("orders:unmask", "post", ("orders.view_order", "orders.view_recipient")),
    Route(
        "orders:resend-order", "post", ("orders.view_order", "orders.resend_reward"), RESEND, (302,)
    ),
    Route(
        "orders:resend-line-item",
        "post",
        ("orders.view_order", "orders.resend_reward"),
        RESEND,
        (302,),
    ),
    Route("orders:hold", "post", ("orders.view_order", "orders.hold_order"), {"note": "x"}, (302,)),
    Route("orders:release", "post", ("orders.view_order", "orders.release_order"), {}, (302,)),
    Route("orders:refresh", "post", ("orders.view_order", "orders.refresh_order"), {}, (302,)),
    Route(
        "orders:reveal",
        "post",
        ("orders.view_order", "orders.reveal_credential"),
        {"reason": "ticket 1"},
    ),
    *[
        Route(
            f"orders:{action}-line-item",
            "post",
            ("orders.view_order", "orders.manage_line_item"),
            {"reason_code": "FRAUD"},
            (302,),
        )
        for action in ("cancel", "freeze", "unfreeze")
    ],
    Route(
        "orders:saved-view-create", "post", ("orders.add_savedview",), {"name": "Mine"}, ok=(302,)
    ),
    Route("orders:saved-view-delete", "post", ("orders.view_savedview",), ok=(302,)),
    Route(
        "orders:bulk-start",
        "post",
        ("orders.view_order", "orders.add_bulkjob", "orders.release_order"),
        {"action": "release", "ids": ["1"]},
        (302,),
    ),
    *FINANCE_ROUTES,
    *APPROVAL_ROUTES,
    *FOLLOWUP_ROUTES,
    *UPLOAD_ROUTES,
    *HEALTH_ROUTES,
    *RECON_ROUTES,
    *ENTRY_ROUTES,
]


@pytest.fixture
def world(db, make_user, monkeypatch, fake_tango):
    """One object of each kind the URLs point at, and Tango stubbed out."""
    monkeypatch.setattr(
        passes,
        "read_order",
        lambda **kw: passes.OrderRead(order=Order.objects.get(pk=kw["order_id"])),
    )
    owner = make_user("Admin", username="owner")
    order = at_tango(OrderFactory(placed=True))
    waiting = OrderFactory(state="draft", amount="900.00")
    ApprovalPolicy.objects.create(version=1, per_order_limits={"USD": "500.00"})
    submit_orders([waiting], actor=Actor.system())
    run = ReconRun.objects.create(start=timezone.now() - timedelta(days=1), end=timezone.now())
    return {
        "mismatch": Mismatch.objects.create(
            first_run=run, last_run=run, kind="missing_at_tango", reference_order_id="RA-1"
        ),
        "order": order,
        "waiting": waiting,
        "line_item": order.line_items.get(),
        "job": BulkJob.objects.create(action="release", order_ids=[order.pk], created_by=owner),
        "view": SavedView.objects.create(name="All", query_string="", owner=owner),
        "export": ExportJob.objects.create(
            owner=owner,
            kind="orders",
            file_format="csv",
            expires_at=timezone.now() + timedelta(hours=1),
        ),
        "upload": Upload.objects.create(
            created_by=owner, filename="team.csv", file_format="csv", status="checked"
        ),
        "event": WebhookEvent.objects.create(
            event_id="failed-1",
            event_type="ConnectivityTest",
            body="{}",
            payload={"eventType": "ConnectivityTest", "eventData": {}},
            processing_error="OperationalError: the database went away",
        ),
        "close": PeriodClose.objects.create(
            period_start="2026-03-01",
            period_end="2026-03-31",
            time_zone="UTC",
            rows="account",
            key="sweep",
            closed_by=owner,
        ),
    }


def url_for(route: Route, world: dict) -> str:
    kwargs: dict[str, Any] = {}
    name = route.name.split(":")[1]
    if route.name.startswith("finance:"):
        return finance_url(name, world)
    if route.name.startswith("uploads:"):
        if name == "index":
            return reverse(route.name)
        return reverse(route.name, args=["csv" if name == "template" else world["upload"].pk])
    if route.name == "health:replay":
        return reverse(route.name, args=[world["event"].pk])
    if route.name == "recon:resolve":
        return reverse(route.name, args=[world["mismatch"].pk])
    if route.name.startswith("approvals:"):
        if name.startswith("order-"):
            return reverse(route.name, args=[world["waiting"].pk])
        return reverse(route.name)
    if name in {
        "detail",
        "add-note",
        "unmask",
        "resend-order",
        "hold",
        "release",
        "refresh",
        "reorder",
    }:
        kwargs["pk"] = world["order"].pk
    elif name.endswith("line-item") or name in {"reveal", "reissue"}:
        kwargs["pk"] = world["line_item"].pk
    elif name == "bulk-job":
        kwargs["pk"] = world["job"].pk
    elif name == "saved-view-delete":
        kwargs["pk"] = world["view"].pk
    return reverse(route.name, kwargs=kwargs)


def finance_url(name: str, world: dict) -> str:
    if name == "chart-spend":
        return reverse("finance:chart-spend", args=[world["order"].account.currency])
    if name in {"export-job", "export-download"}:
        return reverse(f"finance:{name}", args=[world["export"].token])
    if name == "balance-threshold":
        return reverse("finance:balance-threshold", args=[world["order"].account.pk])
    if name == "close-detail":
        return reverse("finance:close-detail", args=[world["close"].pk])
    return reverse(f"finance:{name}")


def role_may(role: str, route: Route) -> bool:
    granted = set(ROLE_PERMISSIONS[role])
    if route.name == "orders:saved-view-delete":  # not the owner: needs the Admin-only delete perm
        return {"orders.delete_savedview", "orders.view_savedview"} <= granted
    return set(route.perms) <= granted


def _our_view_names(patterns: list, namespace: str = "") -> set[str]:
    """`namespace:name` of every URL of the project whose view is ours, however deep it is
    included: not Django's auth views, nor the Django admin (it checks its own model perms)."""
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "admin":
            continue
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            names |= _our_view_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and not pattern.lookup_str.startswith("django."):
            names.add(f"{namespace}:{pattern.name}" if namespace else str(pattern.name))
    return names


def test_the_sweep_covers_every_console_url():
    declared = _our_view_names(get_resolver().url_patterns) - NOT_CONSOLE
    assert declared == {route.name for route in ROUTES}
    assert {"audit:log", "finance:reports"} <= declared  # not only orders' URLs


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_anonymous_is_sent_to_login(client, world, route):
    url = url_for(route, world)
    response = getattr(client, route.method)(url, route.data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_each_role_gets_200_or_403(client, world, make_user, role, route):
    client.force_login(make_user(role))
    response = getattr(client, route.method)(url_for(route, world), route.data)
    if role_may(role, route):
        assert response.status_code in route.ok, response.content[:500]
    else:
        assert response.status_code == 403
        assert b"You don\xe2\x80\x99t have access" in response.content  # our 403 page


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "get"], ids=lambda r: r.name)
def test_head_gets_what_get_gets(client, world, make_user, route):
    """HEAD is answered wherever GET is (issue 8 item 12; rewards_admin/head_requests.py)."""
    client.force_login(make_user("Admin"))
    url = url_for(route, world)
    get, head = client.get(url), client.head(url)
    assert head.status_code == get.status_code, route.name
    assert head.content == b""
    assert head.headers.get("Content-Type") == get.headers.get("Content-Type")


def test_a_user_without_a_role_gets_403_everywhere(client, world, make_user):
    client.force_login(make_user(None))
    for route in ROUTES:
        response = getattr(client, route.method)(url_for(route, world), route.data)
        assert response.status_code == 403, route.name


@pytest.mark.parametrize("role", ["Manager", "Admin"])
def test_a_non_staff_user_gets_403_everywhere_whatever_their_groups(client, world, make_user, role):
    user = make_user(role)
    user.is_staff = False  # e.g. someone who left support but is still in the group
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    for route in ROUTES:
        response = getattr(client, route.method)(url_for(route, world), route.data)
        assert response.status_code == 403, route.name
        assert b"for active staff accounts only" in response.content, route.name
    assert client.get(reverse("orders:list"), headers={"HX-Request": "true"}).status_code == 403


def test_an_inactive_staff_user_is_refused_even_with_a_live_session(rf, make_user):
    from django.core.exceptions import PermissionDenied

    from core.access import staff_view

    @staff_view("orders.view_order")
    def view(request):  # pragma: no cover - must not be reached
        raise AssertionError("an inactive user got through")

    user = make_user("Manager")
    user.is_active = False  # e.g. a custom auth backend that still returns the user
    request = rf.get("/")
    request.user = user
    with pytest.raises(PermissionDenied, match="active staff"):
        view(request)


def test_htmx_requests_from_anonymous_users_redirect_the_whole_page(client, world):
    response = client.get(
        reverse("orders:facets"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/?status=FAILED"},
    )
    assert response.status_code == 200
    # Back to the page the user was looking at after login, not to the fragment's URL.
    assert response["HX-Redirect"] == "/login/?next=%2F%3Fstatus%3DFAILED"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "post"], ids=lambda r: r.name)
def test_every_post_without_a_csrf_token_fails(world, make_user, route):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("Admin"))
    response = client.post(url_for(route, world), route.data)
    assert response.status_code == 403
    assert b"CSRF" in response.content


def test_a_post_with_the_csrf_token_goes_through(world, make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("Admin"))
    page = client.get(reverse("orders:detail", args=[world["order"].pk]))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("orders:add-note", args=[world["order"].pk]),
        {"text": "with token"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 302


# One permission that decides each row of the matrix in core/roles.py's docstring.
MATRIX_ROWS = {
    "See orders": "orders.view_order",
    "Saved views": "orders.add_savedview",
    "Recipient contact data": "orders.view_recipient",
    "Internal notes": "orders.add_note",
    "Refresh an order": "orders.refresh_order",
    "Enter a new order": "orders.add_order",
    "Resend a digital reward": "orders.resend_reward",
    "Re-order failed rewards": "orders.reorder_reward",
    "Hold / release": "orders.release_order",
    "Approve / reject an order": "orders.approve_order",
    "Edit a waiting order": "approvals.edit_waiting_order",
    "Approval policy: read": "approvals.view_approvalpolicy",
    "Approval policy: edit": "approvals.change_policy",
    "Cancel / freeze": "orders.manage_line_item",
    "Reissue a Choice-product reward": "orders.reissue_reward",
    "Reveal a reward credential": "orders.reveal_credential",
    "Bulk uploads": "uploads.add_upload",
    "Bulk jobs": "orders.add_bulkjob",
    "Audit log page": "audit.view_auditentry",
    "Accounts and balances": "orders.view_account",
    "Finance reports": "orders.export_orders",
    "Close a reporting period": "finance.close_period",
    "Low-balance thresholds": "finance.change_balancethreshold",
    "Sync health page": "health.view_synchealth",
    "Replay a webhook": "health.replay_webhook",
    "Reconciliation": "recon.resolve_mismatch",
    "Delete anyone's saved view": "orders.delete_savedview",
    "Staff users": "auth.add_user",
}


def test_the_documented_role_matrix_matches_the_roles():
    from core import roles

    rows = [line for line in roles.__doc__.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == len(MATRIX_ROWS)
    for line in rows:
        what, *marks = (cell.strip() for cell in line.strip("|").split("|"))
        perm = next(p for prefix, p in MATRIX_ROWS.items() if what.startswith(prefix))
        documented = {role for role, mark in zip(ROLES, marks, strict=True) if mark == "x"}
        actual = {role for role in ROLES if perm in ROLE_PERMISSIONS[role]}
        assert documented == actual, what
