"""The Tango domain: customers, accounts, catalog, orders, line items and the order timeline.

Field values use Tango's exact vocabularies (orders/statuses.py). Reward credentials are never
stored: staff who may see one fetch it from Tango on demand (GET /orders/{id}) and the reveal
is audited, so a database leak exposes no gift-card codes.
"""

from orders.models.catalog import MONEY, Account, Brand, CatalogItem, Customer
from orders.models.events import OrderEvent, WebhookEvent
from orders.models.facets import FacetCount
from orders.models.order import ADDRESS_COLUMNS, LineItem, Order
from orders.models.staff import BulkJob, SavedView, SearchToken

__all__ = [
    "ADDRESS_COLUMNS",
    "MONEY",
    "Account",
    "Brand",
    "BulkJob",
    "CatalogItem",
    "Customer",
    "FacetCount",
    "LineItem",
    "Order",
    "OrderEvent",
    "SavedView",
    "SearchToken",
    "WebhookEvent",
]
