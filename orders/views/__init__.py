"""The staff console's views, one module per area (lists, detail, actions, bulk), and the
endpoint Tango posts its webhooks to (webhook); the audit log's page is audit/views.py."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from orders.views.actions import (
    line_item_action,
    line_item_resend,
    order_hold,
    order_refresh,
    order_release,
    order_resend,
)
from orders.views.bulk import bulk_job, bulk_start
from orders.views.detail import line_item_reveal, order_add_note, order_detail, order_unmask
from orders.views.lists import (
    order_facets,
    order_list,
    order_search,
    saved_view_create,
    saved_view_delete,
)
from orders.views.webhook import tango_webhook


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


__all__ = [
    "bulk_job",
    "bulk_start",
    "healthz",
    "line_item_action",
    "line_item_resend",
    "line_item_reveal",
    "order_add_note",
    "order_detail",
    "order_facets",
    "order_hold",
    "order_list",
    "order_refresh",
    "order_release",
    "order_resend",
    "order_search",
    "order_unmask",
    "saved_view_create",
    "saved_view_delete",
    "tango_webhook",
]
