"""A simulator for the reconciliation tests, with this process's client pointed at it."""

from __future__ import annotations

import pytest


@pytest.fixture
def sim(db, tmp_path, settings):
    from orders.sync import reference
    from tango.client import reset_client
    from tango_sim.testing import running_simulator

    with running_simulator(tmp_path, TANGO_SIM_ORDER_TPS="0") as handle:
        settings.TANGO_BASE_URL = handle.base_url
        settings.TANGO_ORDER_RATE = 0
        reset_client()
        try:
            reference.sync_accounts()
            yield handle
        finally:
            reset_client()
