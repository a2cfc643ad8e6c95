"""Fixtures for the Tango client tests: a client on a fake base URL and `responses`."""

from __future__ import annotations

import pytest
import responses

from tango import TangoClient
from tango.testing.payloads import BASE, PLATFORM_KEY, PLATFORM_NAME


@pytest.fixture
def tango() -> TangoClient:
    """A client for canned answers (the contract tests override this with the simulator)."""
    return TangoClient(
        base_url=BASE + "/",  # a trailing slash must not double up in URLs
        platform_name=PLATFORM_NAME,
        platform_key=PLATFORM_KEY,
        connect_timeout=1.5,
        read_timeout=7.0,
    )


@pytest.fixture
def mocked():
    # Every registered answer must be requested: a test cannot pass by skipping a call.
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
