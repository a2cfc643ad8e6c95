"""FakeTango: THE in-memory Tango every test uses, installed through tango.client's seam.

It has the client's method signatures and keeps Tango-shaped JSON (payloads.py's builders),
parsed on the way out by the real `tango.types`, so a test exercises the same parsing as
production. It behaves like Tango where our code relies on it: one order per externalRefID per
account (POST /orders answers the existing order, created=False), 404 for what it does not
hold, pages refused beyond the result window (400.021). Tests program it through:

* `add(ref, ...)` / `seed(count, ...)` / `lines[...]` / `accounts` / `customers` / `catalog` /
  `async_detail` (its lines served `async_page_size` a page) / `async_accepted` / `webhooks`:
  what Tango holds;
* `errors[method]`: an exception raised on every call, or a list consumed one call at a time
  (None = answer normally); `fail_with`: raised by every method; `lose_next_answer`: the next
  POST /orders creates the order and then times out (`lose_next_reissue`: reissue.py's);
* `hooks[method]`: a callable run with the call's arguments before the answer (to change local
  rows "while the request is on its way");
* `calls` (method name, arguments by name), `count(method)`, `names()`: what was asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tango.async_orders import follow_async_pages
from tango.errors import TangoNotFound, TangoRejected, TangoUnavailable
from tango.transport import encode_body
from tango.types import (
    AsyncOrderAccepted,
    AsyncOrderDetail,
    CatalogBrand,
    CreateOrderResult,
    Credential,
    LineItemPage,
    OrderPage,
    ResendResult,
    Reward,
    TangoAccount,
    TangoCustomer,
    TangoLineItem,
    TangoOrder,
    Webhook,
)

from .mixins import FakeExtensions
from .payloads import tango_line_json, tango_order_json

# Seeded orders start here (a Monday); WINDOW covers three days of them.
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WINDOW = {"start": T0 - timedelta(hours=1), "end": T0 + timedelta(days=3)}
# When orders created through POST /orders say they were created.
CREATED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

REWARD = Reward(
    credentials=(
        Credential(label="Redemption link", value="https://rewards.example/r/XYZ-123", type="url"),
        Credential(label="Security code", value="9876-5432", type="text"),
    ),
    redemption_instructions="Open the link.",
)


@dataclass
class FakeTango(FakeExtensions):
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # by referenceOrderID
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)  # by referenceLineItemID
    accounts: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    catalog: list[dict[str, Any]] = field(default_factory=list)
    async_detail: dict[str, Any] | None = None
    # Lines per page of the async order summary (Tango's default maxResults).
    async_page_size: int = 100
    async_accepted: dict[str, Any] | None = None
    webhooks: list[Webhook] = field(default_factory=list)
    # The reward GET /orders/{id} and GET /lineItems/{id} answer with (credentials: never stored).
    reward: Reward | None = REWARD
    # Status of the orders POST /orders creates.
    new_order_status: str = "COMPLETE"
    max_result_window: int = 10_000
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    errors: dict[str, Any] = field(default_factory=dict)
    fail_with: Exception | None = None
    lose_next_answer: bool = False
    hooks: dict[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)

    # --- programming it --------------------------------------------------------------------------

    def add(self, ref: str, *, with_line: bool = True, **kwargs: Any) -> dict[str, Any]:
        """Hold an order (payloads.tango_order_json's keywords), with its line 1 by default."""
        kwargs.setdefault("created", T0)
        order = tango_order_json(ref, **kwargs)
        self.orders[ref] = order
        if with_line:
            line = tango_line_json(order)
            self.lines[line["referenceLineItemID"]] = line
        return order

    def seed(
        self,
        count: int,
        *,
        start: datetime = T0,
        step: timedelta = timedelta(minutes=7),
        **kwargs: Any,
    ) -> list[str]:
        """`count` orders created `step` apart from `start`; their referenceOrderIDs."""
        refs = []
        for n in range(count):
            ref = f"RA261102-{n:05d}-11"
            self.add(ref, created=start + step * n, **kwargs)
            refs.append(ref)
        return refs

    def set_status(self, ref: str, status: str, line_status: str | None = None) -> None:
        self.orders[ref].update(status=status, orderStatus=status)
        if line_status is not None:
            self.orders[ref]["lineItemStatus"] = line_status
            self.lines[f"{ref}-1"].update(status=line_status, orderStatus=status)

    def count(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method)

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def _record(self, name: str, **kwargs: Any) -> None:
        self.calls.append((name, kwargs))
        hook = self.hooks.get(name)
        if hook is not None:
            hook(kwargs)
        if self.fail_with is not None:
            raise self.fail_with
        planned = self.errors.get(name)
        if isinstance(planned, list):
            planned = planned.pop(0) if planned else None
        if planned is not None:
            raise planned

    @staticmethod
    def _not_found(what: str) -> TangoNotFound:
        return TangoNotFound(f"{what} not found", status_code=404, i18n_key="404.017")

    @staticmethod
    def _in(created: str, start: datetime | None, end: datetime | None) -> bool:
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
        return (start is None or moment >= start) and (end is None or moment <= end)

    # --- orders ----------------------------------------------------------------------------------

    def create_order(self, **fields: Any) -> CreateOrderResult:
        self._record("create_order", **fields)
        account, external_ref = fields["account_identifier"], fields.get("external_ref_id")
        existing = self._by_external_ref(external_ref, account) if external_ref else None
        if existing is not None:
            return CreateOrderResult(order=TangoOrder.from_json(existing), created=False)
        ref = f"RA260101-{len(self.orders) + 1}-11"
        amount = Decimal(str(fields["amount"]))
        order = self.add(
            ref,
            created=CREATED_AT,
            status=self.new_order_status,
            amount=str(amount),
            external_ref=external_ref,
            account=account,
            customer=fields["customer_identifier"],
        )
        request = encode_body(fields)
        order.update(
            {key: request[key] for key in ("utid", "deliveryMethod", "campaign") if key in request},
            amountCharged={
                "value": float(amount),
                "currencyCode": "USD",
                "exchangeRate": 1.0,
                "fee": 0.5,
                "total": float(amount + 1),
            },
            referenceLineItemID=f"{ref}-1",
        )
        for key in ("recipient", "sender"):
            order.pop(key, None)
            if key in request:
                order[key] = request[key]
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise TangoUnavailable("timeout after the order was created", path="/orders")
        return CreateOrderResult(order=TangoOrder.from_json(order), created=True)

    def _by_external_ref(self, external_ref: str, account: str) -> dict[str, Any] | None:
        return next(
            (
                order
                for order in self.orders.values()
                if order.get("externalRefID") == external_ref
                and order.get("accountIdentifier") == account
            ),
            None,
        )

    def find_order_by_external_ref(
        self, *, external_ref_id: str, account_identifier: str
    ) -> TangoOrder | None:
        self._record(
            "find_order_by_external_ref",
            external_ref_id=external_ref_id,
            account_identifier=account_identifier,
        )
        found = self._by_external_ref(external_ref_id, account_identifier)
        return TangoOrder.from_json(found) if found is not None else None

    def get_order(self, reference_order_id: str) -> TangoOrder:
        self._record("get_order", reference_order_id=reference_order_id)
        if reference_order_id not in self.orders:
            raise self._not_found("order")
        order = TangoOrder.from_json(
            {**self.orders[reference_order_id], "referenceLineItemID": f"{reference_order_id}-1"}
        )
        return replace(order, reward=self.reward)

    def list_orders(
        self, *, page: int = 0, elements_per_block: int = 100, **filters: Any
    ) -> OrderPage:
        self._record("list_orders", page=page, **filters)
        if page * elements_per_block + elements_per_block > self.max_result_window:
            raise TangoRejected(
                "Search request exceeds max result window", status_code=400, i18n_key="400.021"
            )
        start, end = filters.get("start_date"), filters.get("end_date")
        matches = sorted(
            (o for o in self.orders.values() if self._in(o["createdAt"], start, end)),
            key=lambda o: (o["createdAt"], o["referenceOrderID"]),
            reverse=True,
        )
        chunk = matches[page * elements_per_block : (page + 1) * elements_per_block]
        return OrderPage.from_json(
            {
                "page": {
                    "number": page,
                    "elementsPerBlock": elements_per_block,
                    "resultCount": len(chunk),
                    "totalCount": len(matches),
                },
                "orders": chunk,
            }
        )

    def resend_order(self, reference_order_id: str, **kwargs: Any) -> ResendResult:
        self._record("resend_order", reference_order_id=reference_order_id, **kwargs)
        if reference_order_id not in self.orders:
            raise self._not_found("order")
        return ResendResult(
            id=957900 + len(self.calls),
            created_at=datetime.now(UTC),
            email=kwargs.get("new_email"),
            mobile_number=kwargs.get("new_mobile"),
            delivery_method="EMAIL",
        )

    # --- line items ------------------------------------------------------------------------------

    def list_line_items(
        self, *, page_keys: list[str] | None = None, elements_per_block: int = 100, **filters: Any
    ) -> LineItemPage:
        self._record("list_line_items", page_keys=page_keys, **filters)
        start, end = filters.get("start_date"), filters.get("end_date")
        matches = sorted(
            (
                li
                for li in self.lines.values()
                if self._in(li["dateIssued"], start, end)
                and filters.get("reference_order_id") in (None, li["referenceOrderID"])
            ),
            key=lambda li: (li["dateIssued"], li["referenceLineItemID"]),
            reverse=True,
        )
        offset = int(page_keys[0]) if page_keys else 0
        chunk = matches[offset : offset + elements_per_block]
        more = offset + elements_per_block < len(matches)
        return LineItemPage.from_json(
            {
                "keysetPage": {
                    "nextPageKeys": [str(offset + elements_per_block)] if more else [],
                    "previousPageKeys": [],
                    "resultCount": len(chunk),
                    "totalCount": len(matches),
                },
                "lineItems": chunk,
            }
        )

    def iter_line_items(self, **filters: Any) -> Iterator[TangoLineItem]:
        yield from self.list_line_items(elements_per_block=100, **filters).line_items

    def _line(self, reference_line_item_id: str) -> dict[str, Any]:
        if reference_line_item_id not in self.lines:
            raise self._not_found("line item")
        return self.lines[reference_line_item_id]

    def get_line_item(self, reference_line_item_id: str) -> TangoLineItem:
        self._record("get_line_item", reference_line_item_id=reference_line_item_id)
        line = TangoLineItem.from_json(self._line(reference_line_item_id))
        return replace(line, reward=self.reward)

    def resend_line_item(self, reference_line_item_id: str, **kwargs: Any) -> ResendResult:
        self._record("resend_line_item", reference_line_item_id=reference_line_item_id, **kwargs)
        self._line(reference_line_item_id)
        return ResendResult(
            id=957800 + len(self.calls),
            created_at=datetime.now(UTC),
            email=kwargs.get("new_email"),
            mobile_number=kwargs.get("new_mobile_number"),
            delivery_method=kwargs.get("new_delivery_method") or "EMAIL",
        )

    def _line_item_action(self, action: str, ref: str, changes: dict[str, Any], **kw: Any) -> None:
        self._record(f"{action}_line_item", reference_line_item_id=ref, **kw)
        self._line(ref).update(changes)

    def cancel_line_item(self, reference_line_item_id: str, **kwargs: Any) -> None:
        cancelled = {
            "status": "CANCELLED",
            "rewardStatus": "CANCELLED",
            "canCancel": False,
            "canFreeze": False,
        }
        self._line_item_action("cancel", reference_line_item_id, cancelled, **kwargs)

    def freeze_line_item(self, reference_line_item_id: str, **kwargs: Any) -> None:
        self._line_item_action(
            "freeze", reference_line_item_id, {"rewardStatus": "FROZEN"}, **kwargs
        )

    def unfreeze_line_item(self, reference_line_item_id: str, **kwargs: Any) -> None:
        self._line_item_action(
            "unfreeze", reference_line_item_id, {"rewardStatus": "ACTIVE"}, **kwargs
        )

    # --- async (bulk) orders ---------------------------------------------------------------------

    def create_async_order(self, **kwargs: Any) -> AsyncOrderAccepted:
        self._record("create_async_order", **kwargs)
        return AsyncOrderAccepted.from_json(self.async_accepted or {"status": "ACCEPTED"})

    def get_async_order(self, *, max_results: int | None = None, **kwargs: Any) -> AsyncOrderDetail:
        """Every line, read page by page as the real client does (one recorded call a page)."""
        return follow_async_pages(
            lambda cursor: self.get_async_order_page(
                cursor=cursor, max_results=max_results, **kwargs
            )
        )

    def get_async_order_page(
        self, *, cursor: str | None = None, max_results: int | None = None, **kwargs: Any
    ) -> AsyncOrderDetail:
        """One page of `async_detail`'s lines (`async_page_size` by default), paged by offset
        with Tango's `pagination` block."""
        self._record("get_async_order", cursor=cursor, **kwargs)
        if self.async_detail is None:
            raise TangoNotFound("not found", status_code=404)
        lines = list(self.async_detail.get("lineItems") or [])
        start, size = int(cursor or 0), max_results or self.async_page_size
        more = start + size < len(lines)
        page = {
            **self.async_detail,
            "lineItems": lines[start : start + size],
            "pagination": {
                "nextCursor": str(start + size) if more else None,
                "nextPageAvailable": more,
                "maxResults": size,
            },
        }
        return AsyncOrderDetail.from_json(page)

    # --- platform --------------------------------------------------------------------------------

    def list_customers(self) -> tuple[TangoCustomer, ...]:
        self._record("list_customers")
        return tuple(TangoCustomer.from_json(c) for c in self.customers)

    def list_accounts(self) -> tuple[TangoAccount, ...]:
        self._record("list_accounts")
        return tuple(TangoAccount.from_json(a) for a in self.accounts)

    def get_catalog(self) -> tuple[CatalogBrand, ...]:
        self._record("get_catalog")
        return tuple(CatalogBrand.from_json(b) for b in self.catalog)

    def list_webhooks(self) -> tuple[Webhook, ...]:
        self._record("list_webhooks")
        return tuple(self.webhooks)

    def create_webhook(self, *, url: str, hmac_secret_b64: str, event_types: list[str]) -> Webhook:
        self._record("create_webhook", url=url, secret=hmac_secret_b64, event_types=event_types)
        hook = Webhook(webhook_id=f"wh-{len(self.webhooks) + 1}", url=url, expires_at=None)
        self.webhooks.append(hook)
        return hook
