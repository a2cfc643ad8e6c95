from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("healthz", views.healthz, name="healthz"),
    path("orders/facets/", views.order_facets, name="facets"),
    path("orders/search/", views.order_search, name="search"),
    path("orders/<int:pk>/", views.order_detail, name="detail"),
    path("orders/<int:pk>/notes/", views.order_add_note, name="add-note"),
    path("orders/<int:pk>/recipient/", views.order_unmask, name="unmask"),
    path("orders/<int:pk>/resend/", views.order_resend, name="resend-order"),
    path("orders/<int:pk>/hold/", views.order_hold, name="hold"),
    path("orders/<int:pk>/release/", views.order_release, name="release"),
    path("orders/<int:pk>/refresh/", views.order_refresh, name="refresh"),
    path("line-items/<int:pk>/resend/", views.line_item_resend, name="resend-line-item"),
    path("line-items/<int:pk>/reveal/", views.line_item_reveal, name="reveal"),
    path(
        "line-items/<int:pk>/cancel/",
        views.line_item_action,
        {"action": "cancel"},
        name="cancel-line-item",
    ),
    path(
        "line-items/<int:pk>/freeze/",
        views.line_item_action,
        {"action": "freeze"},
        name="freeze-line-item",
    ),
    path(
        "line-items/<int:pk>/unfreeze/",
        views.line_item_action,
        {"action": "unfreeze"},
        name="unfreeze-line-item",
    ),
    path("saved-views/", views.saved_view_create, name="saved-view-create"),
    path("saved-views/<int:pk>/delete/", views.saved_view_delete, name="saved-view-delete"),
    path("bulk/", views.bulk_start, name="bulk-start"),
    path("bulk/<int:pk>/", views.bulk_job, name="bulk-job"),
    # Tango's webhooks (HMAC-authenticated, CSRF-exempt), see orders/views/webhook.py.
    path("webhooks/tango/", views.tango_webhook, name="tango-webhook"),
]
