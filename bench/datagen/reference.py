"""The small tables, through the ORM: staff users, customers, accounts, brands, catalog items.

Returns a ``RefData`` of plain tuples for the worker processes (they never import Django).
Accounts and brands are skewed (Zipf-like weights); a few customers are European, British or
Canadian, so about a tenth of the orders are in EUR, GBP or CAD.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any

from bench.datagen import vocab

# What one unit of each currency is worth in USD (the generator drifts these over time).
USD_VALUE = {"USD": 1.0, "EUR": 1.087, "GBP": 1.27, "CAD": 0.73}
# Customer rank -> region (everything else is US); ranks are 0-based, biggest first.
REGION_BY_RANK = {6: "EUR", 14: "EUR", 23: "EUR", 33: "EUR", 11: "GBP", 29: "GBP", 19: "CAD"}
GLOBAL_BRANDS = {
    "Reward Link",
    "Global Choice Link",
    "Amazon.com",
    "Visa Prepaid",
    "Apple",
    "Uber",
    "Airbnb",
    "Netflix",
    "Spotify",
    "Nike",
    "IKEA",
    "Sephora",
    "PayPal Cash",
}
LOCAL_BRANDS = {"Zalando": ("EUR",), "Marks & Spencer": ("GBP",), "Tim Hortons": ("CAD", "USD")}
FIXED_DENOMINATIONS = (10, 25, 50, 100)
DIGITAL_METHODS = ("EMAIL", "PHONE", "EMBEDDED")
RICH_METHODS = (*DIGITAL_METHODS, "EMBEDDED_COMPONENT", "WHATSAPP", "QRCODE", "BULKDIGITAL")
PHYSICAL_METHODS = ("ADDRESS", "BULKSHIPMENT")
N_BRANDS = 300


@dataclass
class RefData:
    """Plain data (picklable) describing the reference rows, for the row generators."""

    # (id, customer_id, currency, code, async_enabled, senders, corporate domain)
    accounts: list[tuple[Any, ...]] = field(default_factory=list)
    account_cum: list[float] = field(default_factory=list)
    bulk_accounts: list[int] = field(default_factory=list)  # indexes into accounts
    bulk_account_cum: list[float] = field(default_factory=list)
    # currency -> items: (id, utid, name, currency, face_cents|None, min_cents, max_cents,
    #                     methods, choice, physical, fee_type, fee_value)
    items: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    item_cum: dict[str, list[float]] = field(default_factory=dict)
    staff: list[int] = field(default_factory=list)
    ext_prefix: str = "ro"
    usd_value: dict[str, float] = field(default_factory=lambda: dict(USD_VALUE))
    counts: dict[str, int] = field(default_factory=dict)


def zipf(n: int, s: float) -> list[float]:
    return [1.0 / (rank + 1) ** s for rank in range(n)]


def slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-").replace("--", "-")


def create_reference(seed: int, now: Any, ext_prefix: str) -> RefData:
    """Insert the small tables (in the caller's transaction) and describe them."""
    rng = random.Random(f"{seed}:reference")
    ref = RefData(ext_prefix=ext_prefix)
    ref.staff = _staff_users()
    _customers_and_accounts(rng, ref, now)
    _brands_and_catalog(rng, ref, now)
    return ref


def _staff_users() -> list[int]:
    from django.contrib.auth import get_user_model

    from core.roles import ensure_roles

    groups = ensure_roles()
    user_model = get_user_model()
    admin, _ = user_model.objects.get_or_create(
        username="bench-admin",
        defaults={"is_staff": True, "is_superuser": True, "email": "bench-admin@ops.example"},
    )
    if not admin.has_usable_password():
        admin.set_unusable_password()
        admin.save(update_fields=["password"])
    staff = []
    roles = [("support", "Support", 5), ("manager", "Manager", 2), ("finance", "Finance", 1)]
    for prefix, role, count in roles:
        for n in range(1, count + 1):
            user, created = user_model.objects.get_or_create(
                username=f"bench-{prefix}-{n}",
                defaults={"is_staff": True, "email": f"{prefix}{n}@ops.example"},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                user.groups.add(groups[role])
            if role != "Finance":
                staff.append(user.pk)
    return staff


def _customers_and_accounts(rng: random.Random, ref: RefData, now: Any) -> None:
    from orders.models import Account, Customer
    from orders.statuses import AccountStatus

    customer_weights = zipf(len(vocab.COMPANIES), 1.1)
    customers, accounts, weights = [], [], []
    for rank, company in enumerate(vocab.COMPANIES):
        region = REGION_BY_RANK.get(rank, "USD")
        customers.append(
            Customer(
                identifier=f"{slug(company)}-main",
                display_name=company,
                status="ACTIVE",
                tango_created_at=now,
                synced_at=now,
            )
        )
        n_accounts = max(1, round(7 / (rank + 1) ** 0.6))
        shares = zipf(n_accounts, 1.3)
        total = sum(shares)
        for n in range(n_accounts):
            # A European customer keeps one USD account; the biggest US one has a EUR account.
            currency = region
            if n == n_accounts - 1 and n_accounts > 2 and (region != "USD" or rank == 0):
                currency = "USD" if region != "USD" else "EUR"
            accounts.append((rank, n, currency))
            weights.append(customer_weights[rank] * shares[n] / total)
    Customer.objects.bulk_create(customers)
    rows = []
    by_weight = sorted(range(len(accounts)), key=lambda i: -weights[i])
    async_enabled = set(by_weight[:25])
    odd_status = dict(
        zip(
            by_weight[-5:],
            (
                AccountStatus.INACTIVE,
                AccountStatus.FROZEN,
                AccountStatus.DISABLED,
                AccountStatus.DELETED,
                AccountStatus.INACTIVE,
            ),
            strict=True,
        )
    )
    for i, (rank, n, currency) in enumerate(accounts):
        customer = customers[rank]
        base = customer.identifier.removesuffix("-main")
        rows.append(
            Account(
                identifier=f"{base}-{currency.lower()}-{n + 1:02d}",
                customer=customer,
                display_name=f"{customer.display_name} {currency} {n + 1}",
                account_number=f"A{rng.randrange(10**8, 10**9)}",
                currency=currency,
                current_balance=Decimal(rng.randrange(0, 50_000_000)) / 100,
                status=odd_status.get(i, AccountStatus.ACTIVE),
                contact_email=f"rewards@{base}.example",
                balance_synced_at=now,
                async_orders_enabled=i in async_enabled,
            )
        )
    Account.objects.bulk_create(rows)
    for i, account in enumerate(rows):
        base = account.identifier.split("-")[0]
        senders = []
        for _ in range(3):
            first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
            senders.append((first, last, f"{first.lower()}.{last.lower()}@{base}.example"))
        ref.accounts.append(
            (
                account.pk,
                account.customer_id,
                account.currency,
                base[:12],
                i in async_enabled,
                tuple(senders),
                f"{base}.example",
            )
        )
    ref.account_cum = list(accumulate(weights))
    ref.bulk_accounts = sorted(async_enabled)
    ref.bulk_account_cum = list(accumulate(weights[i] for i in ref.bulk_accounts))
    ref.counts.update(customers=len(customers), accounts=len(rows))


def _brand_names() -> list[str]:
    names = [entry[0] for entry in vocab.BRANDS]
    for a, b in itertools.product(vocab.BRAND_WORDS_A, vocab.BRAND_WORDS_B):
        if len(names) >= N_BRANDS:
            break
        names.append(f"{a} {b}")
    return names


def _brands_and_catalog(rng: random.Random, ref: RefData, now: Any) -> None:
    from orders.models import Brand, CatalogItem

    known = {entry[0]: entry for entry in vocab.BRANDS}
    names = _brand_names()
    brands = [
        Brand(
            brand_key=f"B{n + 1:06d}",
            name=name,
            status="active",
            image_url=f"https://images.example/brands/B{n + 1:06d}.png",
        )
        for n, name in enumerate(names)
    ]
    Brand.objects.bulk_create(brands)
    brand_weights = zipf(len(brands), 1.15)
    items, item_weights = [], []
    for n, brand in enumerate(brands):
        _, reward_type, fee_type, fee_value, choice, physical = known.get(
            brand.name, (brand.name, "gift card", None, 0.0, False, False)
        )
        if brand.name in LOCAL_BRANDS:
            currencies = LOCAL_BRANDS[brand.name]
        elif brand.name in GLOBAL_BRANDS:
            currencies = ("USD", "EUR", "GBP", "CAD")
        else:
            currencies = ("EUR",) if n >= len(known) and rng.random() < 0.08 else ("USD",)
        for currency in currencies:
            with_physical = physical and currency in ("USD", "EUR")
            specs = _item_specs(rng, brand.name, currency, choice, with_physical)
            for name, face, low, high, methods in specs:
                utid = f"U{100001 + len(items):06d}"
                status = "inactive" if rng.random() < 0.015 and not choice else "active"
                items.append(
                    CatalogItem(
                        utid=utid,
                        brand=brand,
                        reward_name=name,
                        currency=currency,
                        value_type="FIXED_VALUE" if face else "VARIABLE_VALUE",
                        face_value=face,
                        min_value=low,
                        max_value=high,
                        reward_type="physical gift card" if "ADDRESS" in methods else reward_type,
                        delivery_methods=list(methods),
                        status=status,
                        synced_at=now,
                    )
                )
                physical_item = "ADDRESS" in methods
                item_weights.append(
                    (
                        brand_weights[n] / len(specs) * (0.25 if physical_item else 1.0),
                        choice,
                        fee_type if not physical_item else "FIXED",
                        fee_value if not physical_item else 3.95,
                    )
                )
    CatalogItem.objects.bulk_create(items, batch_size=500)
    for item, (weight, choice, fee_type, fee_value) in zip(items, item_weights, strict=True):
        methods = tuple(item.delivery_methods)
        row = (
            item.pk,
            item.utid,
            item.reward_name,
            item.currency,
            int(item.face_value * 100) if item.face_value else None,
            int((item.min_value or item.face_value) * 100),
            int((item.max_value or item.face_value) * 100),
            methods,
            choice,
            "ADDRESS" in methods,
            fee_type,
            fee_value,
        )
        ref.items.setdefault(item.currency, []).append(row)
        ref.item_cum.setdefault(item.currency, []).append(weight)
    ref.item_cum = {cur: list(accumulate(ws)) for cur, ws in ref.item_cum.items()}
    ref.counts.update(brands=len(brands), catalog_items=len(items))


def _item_specs(rng: random.Random, brand: str, currency: str, choice: bool, physical: bool):
    """(reward name, face value, min, max, delivery methods) of one brand in one currency."""
    symbol = {"USD": "$", "EUR": "EUR ", "GBP": "GBP ", "CAD": "CA$"}[currency]
    suffix = "" if currency == "USD" else f" {currency}"
    methods = RICH_METHODS if choice else DIGITAL_METHODS[: rng.choice((1, 2, 3, 3))]
    specs = []
    if choice or rng.random() < 0.75:
        high = Decimal(rng.choice((500, 1000, 2000)))
        low = Decimal(rng.choice((1, 5, 10)))
        name = brand + suffix if choice else f"{brand} Gift Card{suffix}"
        specs.append((name, None, low, high, methods))
    if not choice and (not specs or rng.random() < 0.3):
        for value in rng.sample(FIXED_DENOMINATIONS, 3):
            name = f"{brand} Gift Card {symbol}{value}"
            specs.append((name, Decimal(value), None, None, methods))
    if physical:
        name = f"Physical {brand} Card{suffix}"
        specs.append((name, None, Decimal(10), Decimal(1000), PHYSICAL_METHODS))
    return specs
