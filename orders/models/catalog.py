"""Customers, accounts and the synced catalog (brands and their reward items)."""

from __future__ import annotations

from django.db import models

from orders.statuses import (
    AccountStatus,
    ValueType,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


class Customer(models.Model):
    identifier = models.CharField(max_length=100, unique=True)
    display_name = models.CharField(max_length=100)
    status = models.CharField(max_length=20, blank=True)
    tango_created_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["identifier"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.identifier})"


class Account(models.Model):
    identifier = models.CharField(max_length=100, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    display_name = models.CharField(max_length=100)
    account_number = models.CharField(max_length=20, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    current_balance = models.DecimalField(**MONEY, default=0)
    status = models.CharField(
        max_length=10, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    contact_email = models.EmailField(blank=True)
    balance_synced_at = models.DateTimeField(null=True, blank=True)
    # Whether /asyncOrders (closed release) may be used for multi-line orders on this account.
    async_orders_enabled = models.BooleanField(default=False)

    class Meta:
        ordering = ["identifier"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.identifier}, {self.currency})"


class Brand(models.Model):
    brand_key = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, blank=True)
    image_url = models.URLField(blank=True, max_length=500)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CatalogItem(models.Model):
    utid = models.CharField(max_length=20, unique=True)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="items")
    reward_name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3)
    value_type = models.CharField(max_length=16, choices=ValueType.choices)
    face_value = models.DecimalField(**MONEY, null=True, blank=True)
    min_value = models.DecimalField(**MONEY, null=True, blank=True)
    max_value = models.DecimalField(**MONEY, null=True, blank=True)
    reward_type = models.CharField(max_length=40, blank=True)
    # Delivery channels from the catalog's `attributes` (EMAIL, PHONE, ADDRESS, EMBEDDED).
    delivery_methods = models.JSONField(default=list, blank=True)
    # The catalog's fee per reward: FIXED (in the account's currency) or PERCENTAGE of the
    # value; blank when the catalog states none (approvals/funds.py catalog_fee reads them).
    fee_type = models.CharField(max_length=12, blank=True)
    fee_value = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    status = models.CharField(max_length=20, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reward_name"]

    def __str__(self) -> str:
        return f"{self.reward_name} ({self.utid})"

    @property
    def is_choice_product(self) -> bool:
        """Reward Link style items: the only ones Tango lets us cancel or freeze."""
        return self.reward_type.lower() in {"reward link", "promo", "cash equivalent"}
