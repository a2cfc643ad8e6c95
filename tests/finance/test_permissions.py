"""Every finance URL x anonymous and every role (and CSRF on every POST). The table is checked
against finance.urls, so a new URL without a row fails here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.roles import ROLE_PERMISSIONS
from finance import urls
from finance.models import ExportJob, PeriodClose

ROLES = ["Support", "Finance", "Manager", "Admin"]
REPORTS = ("orders.view_order", "orders.view_reports")
EXPORTS = ("orders.view_order", "orders.export_orders")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    perms: tuple[str, ...]
    data: dict[str, Any] = field(default_factory=dict)
    ok: tuple[int, ...] = (200,)


EXPORT = {"kind": "orders", "file_format": "csv", "scope": "list", "query_string": ""}
ROUTES = [
    Route("reports", "get", REPORTS),
    Route("chart-status", "get", REPORTS),
    Route("chart-spend", "get", REPORTS),
    Route("export", "get", EXPORTS),
    Route("export", "post", EXPORTS, EXPORT),
    Route("export-columns", "get", EXPORTS),
    # Someone's own job only: the sweep user owns a job made for them.
    Route("export-job", "get", EXPORTS),
    Route("export-download", "get", EXPORTS),
    Route("tax", "get", REPORTS),
    Route("closes", "get", REPORTS),
    Route("close", "post", (*REPORTS, "finance.close_period"), {"query_string": ""}, (302,)),
    Route("close-detail", "get", REPORTS),
    Route("balances", "get", ("orders.view_account",)),
    Route("balances-refresh", "post", ("orders.view_account",), {}, (302,)),
    Route(
        "balance-threshold",
        "post",
        ("orders.view_account", "finance.change_balancethreshold"),
        {"amount": "100.00"},
        (302,),
    ),
]


def test_the_sweep_covers_every_finance_url():
    assert {p.name for p in urls.urlpatterns} == {r.name for r in ROUTES}


@pytest.fixture
def world(db, ledger, make_user, settings, tmp_path, fake_tango):
    settings.FINANCE_EXPORT_DIR = tmp_path
    return {"closer": make_user("Finance", username="closer")}


def url_for(route: Route, world: dict, user) -> str:
    if route.name == "chart-spend":
        return reverse("finance:chart-spend", args=["USD"]) + "?ordered_from=2026-03-01"
    if route.name == "chart-status":
        return reverse("finance:chart-status") + "?ordered_from=2026-03-01"
    if route.name in {"export-job", "export-download"}:
        (tmp := _job_dir()).mkdir(exist_ok=True)
        job = ExportJob.objects.create(
            owner=user, kind="orders", file_format="csv", status="done", file_name="x.csv",
            expires_at=timezone.now() + timezone.timedelta(hours=1),
        )  # fmt: skip
        (tmp / "x.csv").write_text("x\n")
        return reverse(f"finance:{route.name}", args=[job.token])
    if route.name == "balance-threshold":
        from tests.factories import AccountFactory

        return reverse("finance:balance-threshold", args=[AccountFactory().pk])
    if route.name == "close-detail":
        closed = PeriodClose.objects.create(
            period_start="2026-03-01", period_end="2026-03-31", time_zone="UTC", rows="account",
            key=f"k{PeriodClose.objects.count()}", snapshot={}, closed_by=world["closer"],
        )  # fmt: skip
        return reverse("finance:close-detail", args=[closed.pk])
    return reverse(f"finance:{route.name}")


def _job_dir():
    from django.conf import settings

    return settings.FINANCE_EXPORT_DIR


def call(client, route, world, user):
    url = url_for(route, world, user)
    return getattr(client, route.method)(url, route.data)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method}-{r.name}")
def test_anonymous_is_sent_to_login(client, world, route, make_user):
    response = call(client, route, world, make_user(None, username="nobody-owner"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method}-{r.name}")
def test_each_role_gets_200_or_403(client, world, make_user, role, route):
    user = make_user(role)
    client.force_login(user)
    response = call(client, route, world, user)
    if set(route.perms) <= set(ROLE_PERMISSIONS[role]):
        assert response.status_code in route.ok, response.content[:300]
    else:
        assert response.status_code == 403
        assert b"You don\xe2\x80\x99t have access" in response.content


def test_a_user_without_a_role_gets_403_everywhere(client, world, make_user):
    user = make_user(None)
    client.force_login(user)
    for route in ROUTES:
        assert call(client, route, world, user).status_code == 403, route.name


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "post"], ids=lambda r: r.name)
def test_every_post_without_a_csrf_token_fails(world, make_user, route):
    client = Client(enforce_csrf_checks=True)
    user = make_user("Admin")
    client.force_login(user)
    response = call(client, route, world, user)
    assert response.status_code == 403
    assert b"CSRF" in response.content


def test_report_and_tax_exports_need_the_reports_permission_too(client, db, make_user, roles):
    from django.contrib.auth.models import Permission

    user = make_user(None, username="exporter")
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_order", "export_orders"])
    )
    client.force_login(user)
    for kind in ("report", "tax"):
        response = client.post(reverse("finance:export"), {**EXPORT, "kind": kind})
        assert response.status_code == 403, kind
