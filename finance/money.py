"""Money per line item, as Tango charges and refunds it: the one definition every report,
export, close and tax total sums.

Tango's `amountCharged` (TANGO_API.md §4.2) is `{value, fee, total}` in the ACCOUNT's currency
(`total` = value converted at `exchangeRate` + fee); `denomination` is the face value in the
reward's currency. A single-line order (every API order; `is_bulk` False) carries them on the
order, so its one line takes the order's numbers exactly. A bulk (async) order's lines carry
only their `total`: a line's fee is the order fee pro rata to that total, rounded to the cent
per line (so a line-item export adds up to its totals row exactly).

Refunds as Tango counts them (the order-status page, shared/seeds/000_...txt, and §9.1/9.2):
- order FAILED: the whole order is refunded (value and fee);
- order CANCELLED: terminated before fulfilment, funds returned (value and fee), as the
  simulator's ledger does;
- otherwise (COMPLETE, PARTIAL, ...) per line: a FAILED line (PARTIAL: an unprocessed item)
  is refunded in full, a CANCELLED line (a reward cancelled after issue) gets its value back
  and Tango keeps the fee;
- DELETED orders and RETURNED lines are not refunded; pending orders not yet.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf, Round

from orders.statuses import LineItemStatus, OrderStatus

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(0, output_field=MONEY_FIELD)
WHOLE_ORDER_REFUNDED = (OrderStatus.FAILED, OrderStatus.CANCELLED)


def _money(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=MONEY_FIELD)


def line_total():
    return Case(
        When(order__is_bulk=False, then=Coalesce("order__amount_charged_total", ZERO)),
        default=Coalesce("amount_charged_total", ZERO),
        output_field=MONEY_FIELD,
    )


def line_fee():
    pro_rata = Round(
        _money(
            Coalesce("order__amount_charged_fee", ZERO)
            * Coalesce("amount_charged_total", ZERO)
            / NullIf("order__amount_charged_total", ZERO)
        ),
        2,
    )
    return Case(
        When(order__is_bulk=False, then=Coalesce("order__amount_charged_fee", ZERO)),
        default=Coalesce(pro_rata, ZERO),
        output_field=MONEY_FIELD,
    )


def line_value():
    return Case(
        When(
            order__is_bulk=False,
            then=Coalesce(
                "order__amount_charged_value",
                _money(
                    Coalesce("order__amount_charged_total", ZERO)
                    - Coalesce("order__amount_charged_fee", ZERO)
                ),
            ),
        ),
        default=_money(F("line_total") - F("line_fee")),
        output_field=MONEY_FIELD,
    )


def line_refund():
    return Case(
        When(Q(order__tango_status__in=WHOLE_ORDER_REFUNDED), then=F("line_total")),
        When(status=LineItemStatus.FAILED, then=F("line_total")),
        When(status=LineItemStatus.CANCELLED, then=F("line_value")),
        default=ZERO,
        output_field=MONEY_FIELD,
    )


def with_money(lines: QuerySet) -> QuerySet:
    """Annotate line items with line_total, line_fee, line_value, line_refund and line_net."""
    return (
        lines.annotate(line_total=line_total(), line_fee=line_fee())
        .annotate(line_value=line_value())
        .annotate(line_refund=line_refund())
        .annotate(line_net=_money(F("line_total") - F("line_refund")))
    )
