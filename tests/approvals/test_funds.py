"""approvals.funds: the catalog's fee when it is known (FIXED or PERCENTAGE), else None."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from approvals.funds import catalog_fee


def test_fixed_and_percentage_fees_and_unknown_ones():
    fixed = SimpleNamespace(fee_type="FIXED", fee_value=Decimal("1.5"))
    percent = SimpleNamespace(fee_type="PERCENTAGE", fee_value=Decimal("2.5"))
    assert catalog_fee(fixed, Decimal("100.00")) == Decimal("1.50")
    assert catalog_fee(percent, Decimal("100.00")) == Decimal("2.50")
    assert catalog_fee(SimpleNamespace(fee_type="", fee_value=None), Decimal("10")) is None
    assert catalog_fee(SimpleNamespace(), Decimal("10")) is None  # a catalog without fees
    assert catalog_fee(None, Decimal("10")) is None
