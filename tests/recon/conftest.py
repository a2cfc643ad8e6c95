"""A simulator for the reconciliation tests, with this process's client pointed at it."""

from __future__ import annotations

import pytest


@pytest.fixture
def sim(synced_sim):
    return synced_sim
