"""Django admin for the orders domain: a read-mostly back office for Admins.

The console (orders/views/) is where staff work; the admin is for looking things up and fixing
reference data. Orders and line items are read-only here on purpose: every change to them must
go through a service so it reaches the timeline, the audit log and Tango's rules.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from orders.models import (
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, searchable, never edited here (writes go through orders.services)."""

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
    exclude = [
        "recipient_email",
        "recipient_mobile",
        "address_street1",
        "address_street2",
        "address_postal_code",
    ]  # contact data: unmasked only in the console, where it is audited


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "order", "kind", "source", "new_status", "actor"]
    list_filter = ["kind", "source"]
    search_fields = ["order__reference_order_id", "order__external_ref_id"]
    list_select_related = ["order", "actor"]
    show_full_result_count = False


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "event_type", "event_id", "processed_at"]
    list_filter = ["event_type", "category"]
    search_fields = ["event_id"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["identifier", "display_name", "status", "synced_at"]
    search_fields = ["identifier", "display_name"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
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
    # Balances come from Tango (sync); only our own switch is editable.
    readonly_fields = ["current_balance", "balance_synced_at", "status"]


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
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "query_string", "owner", "created_at"]
    search_fields = ["name"]


@admin.register(BulkJob)
class BulkJobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "action", "status", "total", "done", "succeeded", "failed", "created_by"]
    list_filter = ["action", "status"]
