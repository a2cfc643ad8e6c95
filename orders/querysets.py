"""Read paths: every query a view or task needs is a QuerySet method here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import models

from core.business_days import stuck_cutoff
from orders.statuses import (
    FINAL_ORDER_STATUSES,
    PHYSICAL_DELIVERY_METHODS,
    LineItemStatus,
    OrderStatus,
    PlacementState,
)


class OrderQuerySet(models.QuerySet):
    def placed(self) -> OrderQuerySet:
        return self.filter(state=PlacementState.PLACED)

    def with_status(self, statuses: Iterable[str]) -> OrderQuerySet:
        return self.filter(tango_status__in=list(statuses))

    def with_line_item_status(self, statuses: Iterable[str]) -> OrderQuerySet:
        """Orders having at least one line item in any of `statuses` (EXISTS, no duplicates)."""
        # The related model, not an import: models.py imports this module.
        line_items = self.model._meta.get_field("line_items").related_model
        return self.filter(
            models.Exists(
                line_items.objects.filter(order=models.OuterRef("pk"), status__in=list(statuses))
            )
        )

    def needing_sync(self) -> OrderQuerySet:
        """Placed orders whose Tango status can still change."""
        return self.placed().exclude(tango_status__in=FINAL_ORDER_STATUSES)

    def awaiting_placement(self) -> OrderQuerySet:
        return self.filter(state__in=[PlacementState.QUEUED, PlacementState.PLACING])

    def pending_since(self, cutoff: datetime) -> OrderQuerySet:
        """PENDING at Tango since before `cutoff` (see core.business_days for the cutoff)."""
        return self.filter(tango_status=OrderStatus.PENDING, tango_created_at__lt=cutoff)

    def stuck(self, now: datetime | None = None) -> OrderQuerySet:
        """PENDING at Tango for more than one business day (Tango's promise)."""
        return self.pending_since(stuck_cutoff(now))

    def not_flagged_stuck(self) -> OrderQuerySet:
        """Orders without a `stuck` row on their timeline yet."""
        order_events = self.model._meta.get_field("events").related_model
        flagged = order_events.objects.filter(
            order=models.OuterRef("pk"), kind=order_events.Kind.STUCK
        )
        return self.filter(~models.Exists(flagged))

    def ordered_between(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> OrderQuerySet:
        """Dated (`ordered_at`: Tango's createdAt, else our row's) in [start, end)."""
        queryset = self
        if start is not None:
            queryset = queryset.filter(ordered_at__gte=start)
        if end is not None:
            queryset = queryset.filter(ordered_at__lt=end)
        return queryset

    def with_campaign(self, campaign: str) -> OrderQuerySet:
        return self.filter(campaign=campaign)

    def with_purchase_order_number(self, number: str) -> OrderQuerySet:
        return self.filter(purchase_order_number=number)

    def created_by_username(self, username: str | None) -> OrderQuerySet:
        """Created by this staff user; None: created elsewhere (synced from Tango)."""
        if username is None:
            return self.filter(created_by__isnull=True)
        return self.filter(created_by__username=username)

    def charged_in(self, currency: str) -> OrderQuerySet:
        """Charged in this currency: the account's (Tango debits the account currency)."""
        return self.filter(account__currency=currency)

    def in_reward_currency(self, currency: str) -> OrderQuerySet:
        return self.filter(currency=currency)

    def for_list(self) -> OrderQuerySet:
        """What the orders list renders, in a fixed number of queries."""
        return self.select_related("account", "customer")


class LineItemQuerySet(models.QuerySet):
    def of_orders(self, orders: models.QuerySet) -> LineItemQuerySet:
        """The line items of these orders (a subquery: the orders' filter runs once)."""
        return self.filter(order__in=orders.order_by().values("pk"))

    def resendable(self) -> LineItemQuerySet:
        return self.filter(status=LineItemStatus.COMPLETE).exclude(
            delivery_method__in=PHYSICAL_DELIVERY_METHODS
        )
