"""FakeTango's endpoints beyond orders and line items, one mixin per area (each module owns its
state and methods); a new area joins FakeExtensions here, not fake.py."""

from __future__ import annotations

from .exchange import FakeExchangeRates
from .reasons import ReasonCodesMixin
from .reissue import ReissueFake
from .webhook_api import FakeWebhookAPI


class FakeExtensions(FakeWebhookAPI, FakeExchangeRates, ReasonCodesMixin, ReissueFake):
    """Exchange rates, reason codes, reissue and the webhook subscription API."""
