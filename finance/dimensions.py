"""What a report can put in its rows, and how each row drills down to the orders list.

Every dimension names the LineItem paths it groups by and the orders-list parameter (an
orders.filters.OrderFilter field) that selects exactly the orders of one of its rows. Rows are
always split by currency too (the account's, which Tango charges in, and the reward's, in
which face value is counted): currencies are never added together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orders.filters import NONE_VALUE
from orders.statuses import DeliveryMethod, LineItemStatus, OrderStatus

CHARGED_CURRENCY = "order__account__currency"
REWARD_CURRENCY = "order__currency"


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    # LineItem paths: the first is the drill-down value, the others only label the row.
    fields: tuple[str, ...] = ()
    param: str | None = None  # the orders-list filter selecting one row's orders
    # Grouped by a line item's own value (an order can then sit in several rows).
    line_level: bool = False
    choices: Mapping[str, str] | None = None
    empty_is_none: bool = False  # an empty value drills down as orders.filters.NONE_VALUE
    # For a line-level dimension whose own parameter is also a filter: the LineItem lookup
    # that keeps only the filtered lines in its rows (the orders list filters orders by "has
    # such a line"; the row then holds exactly the lines that made its orders match).
    line_lookup: str | None = None

    def value(self, row: Mapping[str, Any]) -> Any:
        return row[self.fields[0]] if self.fields else None

    def label_for(self, row: Mapping[str, Any]) -> str:
        if not self.fields:
            return "All"
        value = self.value(row)
        if value in (None, ""):
            return f"(no {self.label.lower()})"
        if self.choices:
            return self.choices.get(value, value)
        extra = [str(row[name]) for name in self.fields[1:] if row.get(name)]
        return f"{extra[0]} ({value})" if extra else str(value)

    def drill_params(self, row: Mapping[str, Any]) -> dict[str, str] | None:
        """The orders-list parameters of this row; None when no filter can select it."""
        if not self.param:
            return {}
        value = self.value(row)
        if value in (None, ""):
            return {self.param: NONE_VALUE} if self.empty_is_none else None
        return {self.param: str(value)}


DIMENSIONS: dict[str, Dimension] = {
    dim.key: dim
    for dim in (
        Dimension(
            "account",
            "Account",
            ("order__account__identifier", "order__account__display_name"),
            "account",
        ),
        Dimension("currency", "Currency"),
        Dimension(
            "brand",
            "Brand",
            ("catalog_item__brand__brand_key", "catalog_item__brand__name"),
            "brand",
            line_level=True,
            empty_is_none=True,
            line_lookup="catalog_item__brand__brand_key",
        ),
        Dimension(
            "reward",
            "Reward (UTID)",
            ("utid",),
            "utid",
            line_level=True,
            line_lookup="utid__iexact",
        ),
        Dimension(
            "status",
            "Order status",
            ("order__tango_status",),
            "status",
            choices=dict(OrderStatus.choices),
        ),
        Dimension(
            "li_status",
            "Line-item status",
            ("status",),
            "li_status",
            line_level=True,
            choices=dict(LineItemStatus.choices),
            line_lookup="status__in",
        ),
        Dimension(
            "delivery",
            "Delivery method",
            ("order__delivery_method",),
            "delivery",
            choices=dict(DeliveryMethod.choices),
        ),
        Dimension("campaign", "Campaign", ("order__campaign",), "campaign", empty_is_none=True),
        Dimension(
            "po",
            "PO number",
            ("order__purchase_order_number",),
            "po",
            empty_is_none=True,
        ),
        Dimension(
            "creator",
            "Creator",
            ("order__created_by__username",),
            "creator",
            empty_is_none=True,
        ),
    )
}
DIMENSION_CHOICES = [(dim.key, dim.label) for dim in DIMENSIONS.values()]
PERIODS = {"day": "Day", "week": "Week (from Monday)", "month": "Month", "quarter": "Quarter"}
