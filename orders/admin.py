"""Django admin for the orders domain: a read-mostly back office for Admins.

The console (orders/views/) is where staff work; the admin is for looking things up. Every
model an action or the sync writes (orders, line items, timeline, webhooks, saved views, bulk
jobs, customers, the catalog) is view-only here, for superusers too: every change must go
through a service so it reaches the timeline, the audit log and Tango's rules. The one field
edited here is an account's async_orders_enabled switch, which is ours and no action owns.

The admin must not be a way around the console's masking: recipient data is masked for users
without orders.view_recipient, timeline details are shown masked, and raw webhook bodies are for
superusers only. A field a user may not see is also one they may not filter, search, sort or
look up by (GuardedAdmin): `?recipient_email__istartswith=ri` showing or hiding a row recovers
an address a character at a time. Only the Admin role and superusers enter the admin at all
(rewards_admin.admin_site).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse

from core.actor import Actor
from core.masking import mask_details, recipient_display
from orders.actions.notes import unmask_recipient
from orders.models import (
    ADDRESS_COLUMNS,
    Account,
    Brand,
    BulkJob,
    CatalogItem,
    Customer,
    LineItem,
    Order,
    OrderEvent,
    SavedView,
    WebhookEvent,
)

VIEW_RECIPIENT = "orders.view_recipient"
RECIPIENT_FIELDS = (
    "recipient_first_name",
    "recipient_last_name",
    "recipient_email",
    "recipient_mobile",
    *ADDRESS_COLUMNS,
)


def may_see_recipient(request: HttpRequest) -> bool:
    return request.user.has_perm(VIEW_RECIPIENT)


def _may_see_recipient(user: Any) -> bool:
    return user.has_perm(VIEW_RECIPIENT)


def _superuser(user: Any) -> bool:
    return user.is_superuser


def _nobody(user: Any) -> bool:
    return False


# Fields shown masked (or not at all) to some users, and who may see them. A lookup, search,
# filter or sort that reads one of them is an oracle for its value, so it is refused to the
# users who may not see it, whichever admin it starts from (relations are followed).
SENSITIVE_FIELDS: dict[type[Model], dict[str, Callable[[Any], bool]]] = {
    LineItem: dict.fromkeys(RECIPIENT_FIELDS, _may_see_recipient),
    # A resend's corrected email/mobile lives unmasked in `details`; shown masked to everyone.
    OrderEvent: {"details": _nobody},
    WebhookEvent: {"body": _superuser, "payload": _superuser},
}


def reads_hidden_field(model: type[Model], path: str, user: Any) -> bool:
    """Whether a lookup path ('line_items__recipient_email__istartswith', a search field like
    '^order__reference_order_id') reads a field `user` may not see (None: nobody's rights)."""
    for part in path.lstrip("^=@").split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a transform or lookup name: the path ends here
        may_see = SENSITIVE_FIELDS.get(model, {}).get(field.name)
        if may_see is not None and (user is None or not may_see(user)):
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


class GuardedAdmin(admin.ModelAdmin):
    """No URL lookup, search, filter or sort on a field the user may not see."""

    def _hides(self, request: HttpRequest | None, path: str) -> bool:
        return reads_hidden_field(self.model, path, getattr(request, "user", None))

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Refused lookups raise DisallowedModelAdminLookup: a 400, logged as suspicious.
        if self._hides(request, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # "Does any order go to jane@example.com?" is itself contact data.
        fields = super().get_search_fields(request)
        return [field for field in fields if not self._hides(request, field)]

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        def path(item: Any) -> str:
            if isinstance(item, str):
                return item
            return item[0] if isinstance(item, (list, tuple)) else ""

        items = super().get_list_filter(request)
        return [item for item in items if not self._hides(request, path(item))]

    def get_sortable_by(self, request: HttpRequest) -> list[Any]:
        names = super().get_sortable_by(request)
        return [n for n in names if not (isinstance(n, str) and self._hides(request, n))]

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        ordering = super().get_ordering(request) or []
        return [
            o
            for o in ordering
            if not (isinstance(o, str) and self._hides(request, o[1:] if o.startswith("-") else o))
        ]


class ReadOnlyAdmin(GuardedAdmin):
    """Viewable, searchable, never added, edited or deleted here, not even by a superuser: an
    action in orders.actions (or the sync from Tango) owns the write, with its rules, the
    timeline and the audit log."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineItemStatusFilter(admin.SimpleListFilter):
    """Orders having at least one line item in a status (e.g. PARTIAL orders with FAILED)."""

    title = "line-item status"
    parameter_name = "line_item_status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(LineItem._meta.get_field("status").choices)

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset.with_line_item_status([value]) if value else queryset


class LineItemInline(admin.TabularInline):
    model = LineItem
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "line_number",
        "reference_line_item_id",
        "reward_name",
        "amount",
        "status",
        "email_status",
        "delivery_status",
        "reward_status",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ["occurred_at", "kind", "source", "old_status", "new_status", "actor", "message"]
    readonly_fields = fields
    ordering = ["-occurred_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "external_ref_id",
        "account",
        "amount",
        "currency",
        "tango_status",
        "state",
        "created_at",
    ]
    list_filter = ["tango_status", LineItemStatusFilter, "state", "hold_reason", "account"]
    search_fields = ["reference_order_id", "external_ref_id", "line_items__recipient_email"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    inlines = [LineItemInline, OrderEventInline]


@admin.register(LineItem)
class LineItemAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "order",
        "reward_name",
        "amount",
        "status",
        "email_status",
        "reward_status",
    ]
    list_filter = ["status", "email_status", "delivery_method", "reward_status"]
    search_fields = ["reference_line_item_id", "order__reference_order_id", "utid"]
    list_select_related = ["order"]
    show_full_result_count = False
    # Shown instead of the recipient fields to users without view_recipient.
    masked_fields = ("masked_recipient", "masked_email", "masked_mobile", "masked_address")
    readonly_fields = masked_fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        hidden = {*RECIPIENT_FIELDS, *self.masked_fields}
        fields = [field for field in super().get_fields(request, obj) if field not in hidden]
        shown = RECIPIENT_FIELDS if may_see_recipient(request) else self.masked_fields
        return [*fields, *shown]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # Unmasked contact data is audited here as in the console's "Show contact data".
        line_item = self.get_object(request, object_id)
        if line_item is not None and request.method == "GET" and may_see_recipient(request):
            unmask_recipient(order_id=line_item.order_id, actor=Actor.from_request(request))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="recipient")
    def masked_recipient(self, obj: LineItem) -> str:
        return recipient_display(obj).name

    @admin.display(description="email")
    def masked_email(self, obj: LineItem) -> str:
        return recipient_display(obj).email

    @admin.display(description="mobile")
    def masked_mobile(self, obj: LineItem) -> str:
        return recipient_display(obj).mobile

    @admin.display(description="address (country only)")
    def masked_address(self, obj: LineItem) -> str:
        return recipient_display(obj).address


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "order", "kind", "source", "new_status", "actor"]
    list_filter = ["kind", "source"]
    search_fields = ["order__reference_order_id", "order__external_ref_id"]
    list_select_related = ["order", "actor"]
    show_full_result_count = False
    # `details` of a resend request holds the corrected email/mobile unmasked (the task reads
    # it from there), so only a masked rendering is shown, to every role.
    exclude = ["details"]
    readonly_fields = ["masked_details"]

    @admin.display(description="details (contact data masked)")
    def masked_details(self, obj: OrderEvent) -> str:
        return json.dumps(mask_details(obj.details), indent=2, sort_keys=True, default=str)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "event_type", "event_id", "processed_at"]
    list_filter = ["event_type", "category"]
    search_fields = ["event_id"]
    raw_fields = ("body", "payload")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The raw body and payload may carry recipients' personal data: superusers only (for
        # debugging a delivery); everyone else sees the envelope and the processing outcome.
        fields = list(super().get_fields(request, obj))
        if request.user.is_superuser:
            return fields
        return [field for field in fields if field not in self.raw_fields]


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    # Written by the sync from Tango (an edit here would be overwritten on the next pass).
    list_display = ["identifier", "display_name", "status", "synced_at"]
    search_fields = ["identifier", "display_name"]


@admin.register(Account)
class AccountAdmin(GuardedAdmin):
    list_display = [
        "identifier",
        "display_name",
        "customer",
        "currency",
        "current_balance",
        "status",
        "async_orders_enabled",
    ]
    list_filter = ["currency", "status", "async_orders_enabled"]
    search_fields = ["identifier", "display_name"]
    # Everything but our own switch comes from Tango (sync): only the switch is editable,
    # accounts are never added or deleted here.
    editable_fields = ("async_orders_enabled",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        names = [field.name for field in Account._meta.fields if field.name != "id"]
        return [name for name in names if name not in self.editable_fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Brand)
class BrandAdmin(ReadOnlyAdmin):
    list_display = ["name", "brand_key", "status"]
    search_fields = ["name", "brand_key"]


@admin.register(CatalogItem)
class CatalogItemAdmin(ReadOnlyAdmin):
    list_display = ["reward_name", "utid", "brand", "currency", "value_type", "status"]
    list_filter = ["currency", "value_type", "status"]
    search_fields = ["reward_name", "utid"]


@admin.register(SavedView)
class SavedViewAdmin(ReadOnlyAdmin):
    # Created and deleted in the console (orders.actions.saved_views), which sets the owner
    # to the acting user and writes the audit log.
    list_display = ["name", "query_string", "owner", "created_at"]
    search_fields = ["name"]


@admin.register(BulkJob)
class BulkJobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "action", "status", "total", "done", "succeeded", "failed", "created_by"]
    list_filter = ["action", "status"]
