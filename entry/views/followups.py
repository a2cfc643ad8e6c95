"""Re-order failed rewards and reissue Choice-product line items (routes joined in urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
