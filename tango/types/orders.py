"""Orders, line items, resends and async (bulk) orders (shared/TANGO_API.md §4-§8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .values import (
    Json,
    Money,
    Recipient,
    Reward,
    Sender,
    as_list,
    as_object,
    mask_email,
    mask_phone,
    parse_datetime,
    parse_decimal,
    parse_int,
    parse_str,
)


@dataclass(frozen=True)
class TangoOrder:
    """OrderViewSummary / OrderViewVerbose / OrderListItemView (list items have no reward)."""

    reference_order_id: str
    reference_line_item_id: str | None
    external_ref_id: str | None
    customer_identifier: str | None
    account_identifier: str | None
    account_number: str | None
    amount_charged: Money | None
    denomination: Money | None
    utid: str | None
    reward_name: str | None
    status: str | None  # the order status (orderStatus, else legacy status)
    line_item_status: str | None
    delivery_method: str | None
    recipient: Recipient | None
    sender: Sender | None
    email_subject: str | None
    message: str | None
    etid: str | None
    campaign: str | None
    notes: str | None
    purchase_order_number: str | None
    order_source: str | None
    created_at: datetime | None
    reward: Reward | None

    @classmethod
    def from_json(cls, data: Json) -> TangoOrder:
        return cls(
            reference_order_id=str(data.get("referenceOrderID") or ""),
            reference_line_item_id=parse_str(data.get("referenceLineItemID")),
            external_ref_id=parse_str(data.get("externalRefID")),
            customer_identifier=parse_str(data.get("customerIdentifier")),
            account_identifier=parse_str(data.get("accountIdentifier")),
            account_number=parse_str(data.get("accountNumber")),
            amount_charged=Money.from_json(data.get("amountCharged")),
            denomination=Money.from_json(data.get("denomination")),
            utid=parse_str(data.get("utid")),
            reward_name=parse_str(data.get("rewardName")),
            status=parse_str(data.get("orderStatus") or data.get("status")),
            line_item_status=parse_str(data.get("lineItemStatus")),
            delivery_method=parse_str(data.get("deliveryMethod")),
            recipient=Recipient.from_json(data.get("recipient")),
            sender=Sender.from_json(data.get("sender")),
            email_subject=parse_str(data.get("emailSubject")),
            message=parse_str(data.get("message")),
            etid=parse_str(data.get("etid")),
            campaign=parse_str(data.get("campaign")),
            notes=parse_str(data.get("notes")),
            purchase_order_number=parse_str(data.get("purchaseOrderNumber")),
            order_source=parse_str(data.get("orderClientSource") or data.get("orderSource")),
            created_at=parse_datetime(data.get("createdAt")),
            reward=Reward.from_json(
                data.get("reward"), instructions=data.get("redemptionInstructions")
            ),
        )


@dataclass(frozen=True)
class CreateOrderResult:
    order: TangoOrder
    created: bool  # True on 201 (new order), False on 200 (existing externalRefID)


@dataclass(frozen=True)
class OrderPage:
    orders: tuple[TangoOrder, ...]
    number: int
    elements_per_block: int
    result_count: int
    total_count: int

    @classmethod
    def from_json(cls, data: Json) -> OrderPage:
        page = as_object(data.get("page"))
        orders = tuple(
            TangoOrder.from_json(as_object(item)) for item in as_list(data.get("orders"))
        )
        return cls(
            orders=orders,
            number=parse_int(page.get("number")) or 0,
            elements_per_block=parse_int(page.get("elementsPerBlock")) or len(orders),
            result_count=parse_int(page.get("resultCount")) or len(orders),
            total_count=parse_int(page.get("totalCount")) or 0,
        )


@dataclass(frozen=True)
class LineItemError:
    code: str | None
    message: str | None

    @classmethod
    def from_json(cls, data: Json) -> LineItemError:
        # Tango spells these snake_case (`error_code`); tolerate camelCase too.
        return cls(
            code=parse_str(data.get("error_code", data.get("errorCode"))),
            message=parse_str(data.get("error_message", data.get("errorMessage"))),
        )


@dataclass(frozen=True)
class TangoLineItem:
    """LineItemView (list) / LineItemViewVerbose (detail, with ``reward``)."""

    reference_line_item_id: str
    reference_order_id: str | None
    external_ref_line_item_id: str | None
    line_number: int | None
    status: str | None
    order_status: str | None
    email_status: str | None
    delivery_method: str | None
    delivery_status: str | None
    reward_status: str | None
    can_cancel: bool
    can_freeze: bool
    reward_name: str | None
    utid: str | None
    amount_issued: Money | None
    amount_charged: Money | None
    date_issued: datetime | None
    recipient: Recipient | None
    errors: tuple[LineItemError, ...]
    account_identifier: str | None
    reward: Reward | None
    # The chain of reissues (POST /lineItems/{id}/reissue, §7.3): what replaced this reward,
    # and the reward this one replaced.
    reissued_to: str | None = None
    reissued_from: str | None = None

    @classmethod
    def from_json(cls, data: Json) -> TangoLineItem:
        return cls(
            reference_line_item_id=str(data.get("referenceLineItemID") or ""),
            reference_order_id=parse_str(data.get("referenceOrderID")),
            external_ref_line_item_id=parse_str(
                data.get("externalReferenceLineItemID", data.get("externalRefLineItemID"))
            ),
            line_number=parse_int(data.get("lineNumber")),
            status=parse_str(data.get("status")),
            order_status=parse_str(data.get("orderStatus")),
            email_status=parse_str(data.get("emailStatus")),
            delivery_method=parse_str(data.get("deliveryMethod")),
            delivery_status=parse_str(data.get("deliveryStatus")),
            reward_status=parse_str(data.get("rewardStatus")),
            can_cancel=bool(data.get("canCancel")),
            can_freeze=bool(data.get("canFreeze")),
            reward_name=parse_str(data.get("rewardName")),
            utid=parse_str(data.get("utid")),
            amount_issued=Money.from_json(data.get("amountIssued")),
            amount_charged=Money.from_json(data.get("amountCharged")),
            date_issued=parse_datetime(data.get("dateIssued")),
            recipient=Recipient.from_json(data.get("recipient")),
            errors=tuple(
                LineItemError.from_json(as_object(e)) for e in as_list(data.get("lineItemErrors"))
            ),
            account_identifier=parse_str(data.get("accountIdentifier")),
            reward=Reward.from_json(data.get("reward")),
            reissued_to=parse_str(data.get("reissuedToReferenceLineItemId")),
            reissued_from=parse_str(data.get("reissuedFromReferenceLineItemId")),
        )


@dataclass(frozen=True)
class ReissueResult:
    """POST /lineItems/{id}/reissue: 201 with the new order's OrderViewSummary (§7.3)."""

    order: TangoOrder  # the new order Tango created (the original reward is cancelled)
    reissued_from: str  # the cancelled reward's referenceLineItemID

    @property
    def new_reference_line_item_id(self) -> str | None:
        return self.order.reference_line_item_id


@dataclass(frozen=True)
class LineItemPage:
    line_items: tuple[TangoLineItem, ...]
    next_page_keys: tuple[str, ...]
    previous_page_keys: tuple[str, ...]
    result_count: int
    total_count: int

    @classmethod
    def from_json(cls, data: Json) -> LineItemPage:
        page = as_object(data.get("keysetPage"))
        items = tuple(
            TangoLineItem.from_json(as_object(item)) for item in as_list(data.get("lineItems"))
        )
        return cls(
            line_items=items,
            next_page_keys=tuple(str(k) for k in as_list(page.get("nextPageKeys"))),
            previous_page_keys=tuple(str(k) for k in as_list(page.get("previousPageKeys"))),
            result_count=parse_int(page.get("resultCount")) or len(items),
            total_count=parse_int(page.get("totalCount")) or 0,
        )


@dataclass(frozen=True)
class ResendResult:
    id: int | None
    created_at: datetime | None
    email: str | None
    mobile_number: str | None
    delivery_method: str | None

    def __repr__(self) -> str:
        return (
            f"ResendResult(id={self.id!r}, created_at={self.created_at!r}, "
            f"email={mask_email(self.email)!r}, mobile_number={mask_phone(self.mobile_number)!r}, "
            f"delivery_method={self.delivery_method!r})"
        )

    @classmethod
    def from_json(cls, data: Json) -> ResendResult:
        return cls(
            id=parse_int(data.get("id")),
            created_at=parse_datetime(data.get("createdAt")),
            email=parse_str(data.get("email")),
            mobile_number=parse_str(data.get("mobileNumber")),
            delivery_method=parse_str(data.get("deliveryMethod")),
        )


@dataclass(frozen=True)
class AsyncLineItemError:
    field: str | None
    code: str | None
    name: str | None
    message: str | None

    @classmethod
    def from_json(cls, data: Json) -> AsyncLineItemError:
        return cls(
            field=parse_str(data.get("field")),
            code=parse_str(data.get("errorCodeValue", data.get("errorCode"))),
            name=parse_str(data.get("errorCodeName")),
            message=parse_str(data.get("message", data.get("errorMessage"))),
        )


@dataclass(frozen=True)
class AsyncFailedLineItem:
    line_item_id: str | None
    external_ref_line_item_id: str | None
    utid: str | None
    errors: tuple[AsyncLineItemError, ...]

    @classmethod
    def from_json(cls, data: Json) -> AsyncFailedLineItem:
        return cls(
            line_item_id=parse_str(data.get("lineItemId")),
            external_ref_line_item_id=parse_str(data.get("externalRefLineItemID")),
            utid=parse_str(data.get("utid")),
            errors=tuple(
                AsyncLineItemError.from_json(as_object(e)) for e in as_list(data.get("errors"))
            ),
        )


@dataclass(frozen=True)
class AsyncOrderAccepted:
    """POST /asyncOrders answer (AsyncOrderEntity): accepted, not yet processed."""

    external_ref_id: str | None
    status: str | None
    total_line_items: int | None
    created_at: datetime | None
    failed_line_items: tuple[AsyncFailedLineItem, ...]

    @classmethod
    def from_json(cls, data: Json) -> AsyncOrderAccepted:
        return cls(
            external_ref_id=parse_str(data.get("externalRefID")),
            status=parse_str(data.get("status")),
            total_line_items=parse_int(data.get("totalLineItems")),
            created_at=parse_datetime(data.get("createdAt")),
            failed_line_items=tuple(
                AsyncFailedLineItem.from_json(as_object(item))
                for item in as_list(data.get("failedLineItems"))
            ),
        )


@dataclass(frozen=True)
class AsyncLineItem:
    reference_line_item_id: str | None
    external_ref_line_item_id: str | None
    line_item_status: str | None
    delivery_status: str | None
    delivery_method: str | None
    reward_name: str | None
    quantity: int | None
    amount: Decimal | None
    amount_charged: Money | None
    recipient: Recipient | None
    errors: tuple[LineItemError, ...]

    @classmethod
    def from_json(cls, data: Json) -> AsyncLineItem:
        amount = data.get("amount")
        if isinstance(amount, dict):  # a number in the detail view; tolerate a MoneyView
            amount = amount.get("value")
        return cls(
            reference_line_item_id=parse_str(
                data.get("referenceLineItemId", data.get("referenceLineItemID"))
            ),
            external_ref_line_item_id=parse_str(data.get("externalRefLineItemID")),
            line_item_status=parse_str(data.get("lineItemStatus")),
            delivery_status=parse_str(data.get("deliveryStatus")),
            delivery_method=parse_str(data.get("deliveryMethod")),
            reward_name=parse_str(data.get("rewardName")),
            quantity=parse_int(data.get("quantity")),
            amount=parse_decimal(amount),
            amount_charged=Money.from_json(data.get("amountCharged")),
            recipient=Recipient.from_json(data.get("recipient")),
            errors=tuple(
                LineItemError.from_json(as_object(e)) for e in as_list(data.get("lineItemErrors"))
            ),
        )


@dataclass(frozen=True)
class AsyncOrderDetail:
    """GET /asyncOrders/customers/{c}/accounts/{a}/{externalRefID} (no credentials).

    Tango pages the summary's line items (§7.7): `next_cursor` is `pagination.nextCursor` when
    another page follows, else None. tango.client.get_async_order follows it, so callers see
    every line.
    """

    reference_order_id: str | None
    external_ref_id: str | None
    order_status: str | None
    line_items: tuple[AsyncLineItem, ...]
    next_cursor: str | None = None

    @classmethod
    def from_json(cls, data: Json) -> AsyncOrderDetail:
        pagination = as_object(data.get("pagination"))
        more = pagination.get("nextPageAvailable", True) is not False
        return cls(
            reference_order_id=parse_str(data.get("referenceOrderID")),
            external_ref_id=parse_str(data.get("externalRefID")),
            order_status=parse_str(data.get("orderStatus")),
            line_items=tuple(
                AsyncLineItem.from_json(as_object(item)) for item in as_list(data.get("lineItems"))
            ),
            next_cursor=(parse_str(pagination.get("nextCursor")) or None) if more else None,
        )
