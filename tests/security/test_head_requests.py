"""HEAD is answered wherever GET is (issue 8, item 12): load balancers and uptime checks use it.

The sweep over every GET route is in tests/test_permissions.py (its URL table), so a new
route is covered the day it gets its row there.
"""

from __future__ import annotations

from django.urls import reverse

from tests.factories import OrderFactory


def test_head_on_the_health_check(client):
    response = client.head(reverse("orders:healthz"))
    assert response.status_code == 200
    assert response.content == b""


def test_head_as_anonymous_is_sent_to_log_in_like_get(client):
    response = client.head(reverse("orders:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_head_is_not_a_way_into_a_post_only_view(client, make_user):
    client.force_login(make_user("Admin"))
    response = client.head(reverse("orders:add-note", args=[OrderFactory().pk]))
    assert response.status_code == 405
