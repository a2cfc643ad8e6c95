"""The simulator subscribed to the live test server's webhook endpoint (setup_webhooks), with
the events' processing recorded instead of sent to a broker."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from io import StringIO

import pytest
from django.core.management import call_command

from tango.client import reset_client

SECRET = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> None:
    """Poll until `condition()` holds (webhooks arrive from the simulator's thread)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


@pytest.fixture
def subscribed_sim(live_server, tmp_path, settings, record_tasks) -> Iterator[object]:
    from orders.sync import reference
    from tango_sim.testing import running_simulator

    record_tasks(lambda name, kwargs: None)
    settings.TANGO_WEBHOOK_SECRET = SECRET
    with running_simulator(tmp_path) as sim:
        settings.TANGO_BASE_URL = sim.base_url
        settings.TANGO_WEBHOOK_URL = f"{live_server.url}/webhooks/tango/"
        reset_client()
        try:
            reference.sync_accounts()
            out = StringIO()
            call_command("setup_webhooks", stdout=out)
            assert "Subscribed" in out.getvalue()
            yield sim
        finally:
            reset_client()
