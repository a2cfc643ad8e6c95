"""One resend per intent (issue 8 item 3), against the live Tango simulator.

A second resend click that arrives after the first was sent (two tabs, no JavaScript) used to
be queued behind Tango's 30-second throttle and then sent: two resends. Now a resend within
the throttle window of the last one is refused with the time left, unless it goes to a
corrected address (confirmed in the form) other than the one just used. The check runs on the
line item's row under a PostgreSQL row lock, so concurrent requests see each other.

The console's requests are real HTTP-level requests (Django's test client, one per thread for
the concurrent case, each on its own database connection); the tasks they enqueue are run
in-process by `drain`, which, like the worker, waits out Tango's throttle (the simulator's
clock is advanced) and retries, so a request that got queued does reach Tango.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from celery.exceptions import Retry
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.actor import Actor
from orders.actions.entry import create_order
from orders.actions.placement import place_order
from orders.models import Account, LineItem, OrderEvent
from orders.sync import reference
from orders.tasks import staff as staff_tasks
from tango.client import reset_client
from tango.errors import TangoThrottled
from tango_sim.testing import SimulatorHandle, simulator_session

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
]

HTMX = {"HX-Request": "true"}
SAME = {"destination": "same", "reason_code": "NOT_RECEIVED"}
TASK = "orders.tasks.staff.resend_line_item_task"


@pytest.fixture(scope="module")
def sim(tmp_path_factory) -> Iterator[SimulatorHandle]:
    yield from simulator_session(tmp_path_factory, TANGO_SIM_ORDER_TPS="0")


@pytest.fixture
def queued(record_tasks) -> list[dict[str, Any]]:
    """Resend tasks handed to the broker after commit (the threads' commits too)."""
    tasks: list[dict[str, Any]] = []
    lock = threading.Lock()

    def keep(name: str, kwargs: dict[str, Any]) -> None:
        if name == TASK:
            with lock:
                tasks.append(kwargs)

    record_tasks(keep)
    return tasks


@pytest.fixture
def line_item(sim, settings, transactional_db) -> Iterator[LineItem]:
    """One EMAIL reward placed at the simulator through the placement service."""
    sim.reset()
    settings.TANGO_BASE_URL = sim.base_url
    settings.TANGO_ORDER_RATE = 0
    reset_client()
    try:
        reference.sync_accounts()
        reference.sync_catalog(force=True)
        order = create_order(
            account=Account.objects.get(identifier="acme-usd-01"),
            utid="U100001",
            amount="25.00",
            delivery_method="EMAIL",
            recipient_first_name="Riley",
            recipient_email="riley@example.com",
            actor=Actor.system(),
        )
        place_order(order_id=order.pk)
        item = order.line_items.get()
        assert item.reference_line_item_id and item.status == "COMPLETE"
        yield item
    finally:
        reset_client()


def resends_at_tango(sim: SimulatorHandle, item: LineItem) -> list[dict[str, Any]]:
    url = f"{sim.base_url}/lineItems/{item.reference_line_item_id}"
    answer = requests.get(url, auth=sim.auth, timeout=10)
    answer.raise_for_status()
    return answer.json()["resendHistory"]


def drain(sim: SimulatorHandle, queued: list[dict[str, Any]]) -> None:
    """Run every queued resend task as the worker would, waiting out Tango's throttle."""
    while queued:
        kwargs = queued.pop(0)
        task = staff_tasks.resend_line_item_task
        for retries in range(task.max_retries):
            task.push_request(retries=retries)
            try:
                task(**kwargs)
                break
            except (Retry, TangoThrottled):  # called directly, Celery re-raises the error
                sim.advance(31)
            finally:
                task.pop_request()


def support_client(make_user) -> Client:
    client = Client()
    client.force_login(make_user("Support", username="support-user"))
    return client


def post(client: Client, item: LineItem, data: dict[str, str] = SAME) -> str:
    """What the user is told (the page's messages) after one resend click."""
    url = reverse("orders:resend-line-item", args=[item.pk])
    page = client.post(url, data, headers=HTMX).content.decode()
    return " ".join(
        html.unescape(m) for m in re.findall(r'<p class="msg [^"]*"[^>]*>(.*?)</p>', page)
    )


def test_a_second_click_half_a_second_after_the_first_was_sent_is_refused(
    sim, line_item, queued, make_user
):
    client = support_client(make_user)
    first = post(client, line_item)
    assert "Resend queued" in first
    drain(sim, queued)  # the worker sends it
    assert len(resends_at_tango(sim, line_item)) == 1

    time.sleep(0.5)
    second = post(client, line_item)

    assert "Resend queued" not in second
    assert "Tango accepts one resend per reward every 30 seconds" in second
    assert "try again in" in second
    assert queued == []
    drain(sim, queued)
    assert len(resends_at_tango(sim, line_item)) == 1
    kinds = list(line_item.events.values_list("kind", flat=True))
    assert kinds.count(OrderEvent.Kind.RESEND_REQUESTED) == 1
    assert kinds.count(OrderEvent.Kind.RESENT) == 1


def test_five_concurrent_clicks_send_one_resend(sim, line_item, queued, make_user):
    make_user("Support", username="support-user")
    barrier = threading.Barrier(5)
    pages: list[str] = []

    def click() -> None:
        try:
            client = support_client_for("support-user")
            barrier.wait(timeout=30)
            pages.append(post(client, line_item))
        finally:
            connection.close()  # this thread's own database connection

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(pages) == 5
    assert sum("Resend queued" in page for page in pages) == 1
    assert sum("A resend is already queued for this reward." in page for page in pages) == 4
    assert len(queued) == 1
    drain(sim, queued)
    assert len(resends_at_tango(sim, line_item)) == 1

    # ...and five more clicks right after it was sent: all refused, with the time left.
    client = support_client_for("support-user")
    again = [post(client, line_item) for _ in range(5)]
    assert all("try again in" in page for page in again)
    assert queued == []
    assert len(resends_at_tango(sim, line_item)) == 1


def support_client_for(username: str) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_a_confirmed_corrected_address_may_follow_within_the_window_once(
    sim, line_item, queued, make_user
):
    client = support_client(make_user)
    post(client, line_item)
    drain(sim, queued)
    corrected = {
        "destination": "email",
        "new_email": "riley.chen@example.com",
        "same_recipient": "on",
        "reason_code": "DELIVERY_INFO",
        "reason": "typo in the address",
    }

    assert "Resend queued" in post(client, line_item, corrected)
    drain(sim, queued)  # sent once Tango's window opens
    # The same corrected address again, right after: the same intent, refused.
    repeat = post(client, line_item, corrected)
    assert "try again in" in repeat and queued == []

    history = resends_at_tango(sim, line_item)
    assert len(history) == 2
    assert history[-1]["recipient"]["email"] == "riley.chen@example.com"
