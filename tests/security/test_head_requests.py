"""HEAD is answered wherever GET is (issue 8, item 12): load balancers and uptime checks use it.

The sweep runs over the permission test's URL table, so a new GET route is covered the day it
gets its row there.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_permissions import ROUTES, Route, url_for, world  # noqa: F401 (fixture)

GET_ROUTES = [route for route in ROUTES if route.method == "get"]


@pytest.mark.parametrize("route", GET_ROUTES, ids=lambda r: r.name)
def test_head_gets_the_status_get_gets(client, world, make_user, route: Route):  # noqa: F811
    client.force_login(make_user("Admin"))
    url = url_for(route, world)
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == get.status_code, route.name
    assert head.content == b""
    assert head.headers.get("Content-Type") == get.headers.get("Content-Type")


def test_head_on_the_health_check(client):
    response = client.head(reverse("orders:healthz"))
    assert response.status_code == 200
    assert response.content == b""


def test_head_as_anonymous_is_sent_to_log_in_like_get(client):
    response = client.head(reverse("orders:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_head_is_not_a_way_into_a_post_only_view(client, world, make_user):  # noqa: F811
    client.force_login(make_user("Admin"))
    response = client.head(reverse("orders:add-note", args=[world["order"].pk]))
    assert response.status_code == 405
