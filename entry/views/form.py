"""The new-order form: /orders/new/ (routes listed here, joined in entry/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
