from django.urls import path

from approvals.views import orders, policy, queue

app_name = "approvals"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("funds/", queue.funds, name="funds"),
    path("decide/", queue.decide, name="decide"),
    path("policy/", policy.policy, name="policy"),
    path("orders/<int:pk>/decide/", orders.order_decide, name="order-decide"),
    path("orders/<int:pk>/edit/", orders.order_edit, name="order-edit"),
]
