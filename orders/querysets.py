"""Read paths: every query a view, task, action or sync pass needs is a method here.

Views, exports, reports and reconciliation call these instead of building queries by hand;
orders/filters.py only maps URL parameters onto them. This module imports no models module
(models.py imports it): related models are reached through `self.model`'s fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from django.db import OperationalError, connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.business_days import stuck_cutoff
from core.dates import day_end, day_start
from orders.statuses import (
    FINAL_ORDER_STATUSES,
    PHYSICAL_DELIVERY_METHODS,
    RESEND_CHANNELS,
    LineItemStatus,
    OrderStatus,
    PlacementState,
    RewardStatus,
)

# A re-order that ended like this frees its failed reward for another re-order (the
# `order_one_live_reorder` constraint in models/order.py is this condition, negated). Written
# with `=` rather than IN: PostgreSQL prints an IN list back (pg_get_indexdef) in a form that
# re-parses differently, and bench/generate.py rebuilds the index from that text.
REORDER_ENDED = (
    models.Q(state=PlacementState.REJECTED)
    | models.Q(state=PlacementState.WITHDRAWN)
    | models.Q(tango_status=OrderStatus.FAILED)
)
LIST_LINE_ITEMS = 3  # line-item badges shown per order in the list
# What the list's rows read of those line items (orders/templatetags/order_rows.py, masked
# recipient included): a line item has ~50 columns, a dozen of them dates to parse.
LIST_LINE_ITEM_FIELDS = (
    "order_id",
    "line_number",
    "status",
    "email_status",
    "utid",
    "reward_name",
    "recipient_first_name",
    "recipient_last_name",
    "recipient_email",
    "recipient_mobile",
    "address_country",
)
_SEARCH_WORDS = 3  # a name search matches at most this many words
_EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _related(queryset: models.QuerySet, name: str) -> Any:
    """The model at the other end of `name` (a relation of the queryset's model)."""
    return queryset.model._meta.get_field(name).related_model


class OrderQuerySet(models.QuerySet):
    # --- states and statuses ------------------------------------------------------------------
    def placed(self) -> OrderQuerySet:
        return self.filter(state=PlacementState.PLACED)

    def live_reorders(self) -> OrderQuerySet:
        """Re-orders of failed rewards that are live or succeeded (not failed/rejected/expired)."""
        return self.filter(reorder_of__isnull=False).exclude(REORDER_ENDED).order_by("-pk")

    def with_status(self, statuses: Iterable[str]) -> OrderQuerySet:
        return self.filter(tango_status__in=list(statuses))

    def with_line_item_status(self, statuses: Iterable[str]) -> OrderQuerySet:
        """Orders having at least one line item in any of `statuses` (EXISTS, no duplicates)."""
        return self._having_line_items(status__in=list(statuses))

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
        order_events = _related(self, "events")
        flagged = order_events.objects.filter(
            order=models.OuterRef("pk"), kind=order_events.Kind.STUCK
        )
        return self.filter(~models.Exists(flagged))

    # --- the placement sweeper (orders.actions.sweeper) ----------------------------------------
    def placing_since_before(self, cutoff: datetime) -> OrderQuerySet:
        """PLACING since before `cutoff`: the worker placing it has most likely died."""
        return self.filter(state=PlacementState.PLACING, placing_since__lt=cutoff)

    def queued_untouched_since(self, cutoff: datetime) -> OrderQuerySet:
        """QUEUED and not (re-)enqueued since `cutoff`, oldest first."""
        return self.filter(state=PlacementState.QUEUED, updated_at__lt=cutoff).order_by(
            "updated_at", "pk"
        )

    def newest_placed_created_after(
        self, moment: datetime, *, placed_before: datetime
    ) -> datetime | None:
        """The latest creation time of the orders created after `moment` that a placement
        attempt of ours placed before `placed_before` (None if there is none)."""
        return self.filter(
            created_at__gt=moment, placed_at__lt=placed_before, placement_attempts__gt=0
        ).aggregate(newest=models.Max("created_at"))["newest"]

    # --- the orders list -----------------------------------------------------------------------
    def for_list(self) -> OrderQuerySet:
        """What the orders list renders, in a fixed number of queries: the account and customer
        joined, and the first few line items of each order (one windowed query, in
        `shown_line_items`: a bulk order may have thousands)."""
        line_items = _related(self, "line_items")
        first_line_items = models.Prefetch(
            "line_items",
            queryset=line_items.objects.only(*LIST_LINE_ITEM_FIELDS).order_by("line_number")[
                :LIST_LINE_ITEMS
            ],
            to_attr="shown_line_items",
        )
        return self.select_related("account", "customer").prefetch_related(first_line_items)

    def newest_ids(self, limit: int) -> list[int]:
        """The ids of the newest `limit` orders by their date (a bulk job over "all matching"),
        in the orders list's default order."""
        return list(self.order_by("-ordered_at", "-id").values_list("pk", flat=True)[:limit])

    def search(
        self, text: str, *, emails_allowed: bool = True, known: dict[str, bool] | None = None
    ) -> OrderQuerySet:
        """One box for referenceOrderID, externalRefID, recipient email or recipient name.

        References are matched exactly on their unique indexes (and win outright), a full email
        on the lower(email) index; only a name falls back to a substring scan. An OR of all of
        them would make the database scan every order for every search. Without
        `emails_allowed` an email search matches nothing: it would confirm whether someone is a
        recipient. `known` remembers which references exist, so a request applying the same
        search twice (the list and its facets) asks once.
        """
        text = text.strip()
        if not text:
            return self
        line_items = _related(self, "line_items")
        if "@" in text:
            if not emails_allowed:
                return self.none()
            emails = (
                line_items.objects.annotate(email_lower=Lower("recipient_email")).filter(
                    email_lower=text.lower()
                )
                if _EMAIL_LIKE.match(text)
                else line_items.objects.filter(recipient_email__istartswith=text)
            )
            return self.filter(models.Exists(emails.filter(order=models.OuterRef("pk"))))
        if " " not in text:
            reference = models.Q(reference_order_id__in={text, text.upper()}) | models.Q(
                external_ref_id=text
            )
            known = {} if known is None else known
            if text not in known:
                known[text] = self.model.objects.filter(reference).exists()
            if known[text]:
                return self.filter(reference)
        names = models.Q()
        for word in text.split()[:_SEARCH_WORDS]:
            names &= models.Q(recipient_first_name__icontains=word) | models.Q(
                recipient_last_name__icontains=word
            )
        return self._having_line_items(names)

    def with_email_status(self, statuses: Iterable[str]) -> OrderQuerySet:
        return self._having_line_items(email_status__in=list(statuses))

    def with_brand(self, brand: Any) -> OrderQuerySet:
        """Orders with a line of `brand`; None: a line whose reward has no known brand."""
        if brand is None:
            return self._having_line_items(catalog_item__brand__isnull=True)
        return self._having_line_items(catalog_item__brand=brand)

    def with_utid(self, utid: str) -> OrderQuerySet:
        return self._having_line_items(utid__iexact=utid)

    # The list's "Created" filters date an order as the list shows it: Tango's createdAt
    # (ordered_at), so an imported order is found on the day Tango created it, not the day of
    # the import. A range on the indexed column, not __date (which defeats the index).
    def created_from(self, day: date) -> OrderQuerySet:
        return self.ordered_between(start=day_start(day))

    def created_to(self, day: date) -> OrderQuerySet:
        return self.ordered_between(end=day_end(day))

    def created_since(self, moment: datetime) -> OrderQuerySet:
        return self.ordered_between(start=moment)

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

    def ordered_from(self, day: date, zone: tzinfo | None = None) -> OrderQuerySet:
        """Dated on or after `day` in `zone` (finance's dating; default the site's zone)."""
        return self.ordered_between(start=day_start(day, zone))

    def ordered_to(self, day: date, zone: tzinfo | None = None) -> OrderQuerySet:
        return self.ordered_between(end=day_end(day, zone))

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

    def _having_line_items(self, *conditions: Any, **lookups: Any) -> OrderQuerySet:
        # EXISTS, not a JOIN: no duplicate orders, no DISTINCT, and it combines with the others.
        line_items = _related(self, "line_items")
        matching = line_items.objects.filter(*conditions, order=models.OuterRef("pk"), **lookups)
        return self.filter(models.Exists(matching))

    # --- facets ----------------------------------------------------------------------------------
    def count_by_status(self, *, budget_ms: int | None = None) -> dict[str, int] | None:
        """Orders per Tango status (one GROUP BY); None if it takes longer than `budget_ms`."""
        counts = self.order_by().values_list("tango_status").annotate(n=models.Count("pk"))
        return within_budget(counts, budget_ms)

    def count_by_line_item_status(self, *, budget_ms: int | None = None) -> dict[str, int] | None:
        """Orders (not line items) per line-item status; None if over `budget_ms`."""
        counts = (
            _related(self, "line_items")
            .objects.filter(order__in=self.values("pk"))
            .order_by()
            .values_list("status")
            .annotate(n=models.Count("order_id", distinct=True))
        )
        return within_budget(counts, budget_ms)


def within_budget(counts: models.QuerySet, budget_ms: int | None) -> dict[str, int] | None:
    """`dict(counts)`, or None if PostgreSQL needs more than `budget_ms` for it: counts are
    shown where they are cheap, never at the price of a slow page."""
    if not budget_ms or connection.vendor != "postgresql":
        return dict(counts)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            previous = cursor.fetchone()[0]
            cursor.execute("SET LOCAL statement_timeout = %s", [f"{int(budget_ms)}ms"])
            result = dict(counts)
            # Inside an outer transaction SET LOCAL would outlive this block: put it back.
            # (After a timeout the rollback of this block undoes it by itself.)
            cursor.execute("SET LOCAL statement_timeout = %s", [previous])
            return result
    except OperationalError:  # the budget ran out (query_canceled)
        return None


class LineItemQuerySet(models.QuerySet):
    def of_orders(self, orders: models.QuerySet) -> LineItemQuerySet:
        """The line items of these orders (a subquery: the orders' filter runs once)."""
        return self.filter(order__in=orders.order_by().values("pk"))

    def resendable(self) -> LineItemQuerySet:
        return self.filter(status=LineItemStatus.COMPLETE).exclude(
            delivery_method__in=PHYSICAL_DELIVERY_METHODS
        )

    def resend_in_flight(self, since: datetime) -> LineItemQuerySet:
        """Line items whose resend was requested after `since` and has not finished."""
        return self.filter(resend_requested_at__gt=since)

    def resend_possible(self, since: datetime) -> LineItemQuerySet:
        """Line items resend_blocker() would let go now, for an order placed at Tango: COMPLETE,
        sent over a channel Tango resends on, not cancelled, no resend requested after `since`
        (orders.actions.resend keeps the rule; this is its read for a whole order, so a page
        need not load every line to know whether "Resend all" can work)."""
        return (
            self.filter(status=LineItemStatus.COMPLETE, delivery_method__in=RESEND_CHANNELS)
            .exclude(reward_status=RewardStatus.CANCELLED)
            .exclude(resend_requested_at__gt=since)
        )

    def count_by_status(self) -> dict[str, int]:
        """How many line items have each status ("" for not issued yet), one GROUP BY."""
        counts: dict[str, int] = {}
        for status, n in self.order_by().values_list("status").annotate(n=models.Count("pk")):
            counts[status or ""] = counts.get(status or "", 0) + n
        return counts

    def count_per_order(self, order_ids: Sequence[int]) -> dict[int, int]:
        """How many line items each of these orders has (one GROUP BY)."""
        return dict(
            self.filter(order__in=list(order_ids))
            .order_by()
            .values_list("order")
            .annotate(n=models.Count("pk"))
        )


class OrderEventQuerySet(models.QuerySet):
    def timeline(self, limit: int) -> list[Any]:
        """The newest `limit` rows (the model's ordering), with who did it and which line."""
        return list(self.select_related("actor", "line_item")[:limit])

    def latest_pk(self) -> int:
        return self.order_by("-pk").values_list("pk", flat=True).first() or 0

    def placement_attempts_since(self, moment: datetime) -> OrderEventQuerySet:
        return self.filter(kind=self.model.Kind.PLACEMENT_ATTEMPT, occurred_at__gte=moment)


def resend_throttles(
    timeline: Iterable[Any], *, now: datetime | None = None
) -> dict[int, datetime]:
    """Latest "retry at" per line item from the throttle notes on a timeline (newest first):
    when Tango said a resend may be tried again, for the ones still in the future."""
    now = now or timezone.now()
    until: dict[int, datetime] = {}
    for event in timeline:
        stamp = event.details.get("throttled_until") if event.line_item_id else None
        if stamp and event.line_item_id not in until:
            parsed = parse_datetime(stamp)
            if parsed and parsed > now:
                until[event.line_item_id] = parsed
    return until


class SearchTokenQuerySet(models.QuerySet):
    def live(self, since: datetime) -> SearchTokenQuerySet:
        """Tokens issued after `since` (older ones have expired)."""
        return self.filter(created_at__gt=since)

    def text_for(self, user_id: int | None, token: str, since: datetime) -> str | None:
        """The search behind `token` if it is `user_id`'s and still live, else None."""
        if not user_id or not token:
            return None
        return (
            self.live(since)
            .filter(user_id=user_id, token=token)
            .values_list("text", flat=True)
            .first()
        )
