"""Reference-data sync: customers and accounts (balances, status) and the catalog.

Both upsert in bulk and write only what changed, except `Account.balance_synced_at`, which
records when the balance was last read (staff see "balance as of ...") and so moves on every
pass. The catalog is read at most a few times a day: Tango asks clients to call GET /catalogs
about twice a day and never per order (TANGO_API.md §12).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from orders.models import Account, Brand, CatalogItem, Customer
from orders.statuses import ValueType
from orders.sync.changes import Changes, SyncReport, bulk_write, quantize
from tango.client import get_client
from tango.types import CatalogEntry, TangoAccount

logger = logging.getLogger(__name__)

# Never call GET /catalogs more often than this, whatever triggers the sync.
MIN_CATALOG_INTERVAL = timedelta(hours=4)


def sync_accounts() -> SyncReport:
    """GET /customers + GET /accounts → Customer and Account rows (created or updated)."""
    client = get_client()
    report = SyncReport()
    customers = client.list_customers()
    accounts = {a.account_identifier: a for a in client.list_accounts() if a.account_identifier}
    report.list_calls += 2
    owner: dict[str, str] = {}
    for customer in customers:
        for summary in customer.accounts:
            owner[summary.account_identifier] = customer.customer_identifier
            # The summary under /customers may lack the balance; GET /accounts has it.
            accounts.setdefault(summary.account_identifier, summary)
    now = timezone.now()
    with transaction.atomic():
        customer_rows = _upsert_customers(customers, report, now)
        _upsert_accounts(accounts.values(), owner, customer_rows, report, now)
    return report


def _upsert_customers(customers: Any, report: SyncReport, now: datetime) -> dict[str, Customer]:
    rows = {c.identifier: c for c in Customer.objects.all()}
    changed: list[Changes] = []
    new: list[Customer] = []
    for tango in customers:
        if not tango.customer_identifier:
            continue
        report.seen += 1
        row = rows.get(tango.customer_identifier)
        if row is None:
            row = Customer(identifier=tango.customer_identifier, synced_at=now)
            new.append(row)
            rows[row.identifier] = row
        changes = Changes(row)
        changes.set_str("display_name", tango.display_name or tango.customer_identifier)
        changes.set_str("status", tango.status)
        if tango.created_at is not None:
            changes.set("tango_created_at", tango.created_at)
        if changes and row.pk is not None:
            changed.append(changes)
    if new:
        Customer.objects.bulk_create(new)
        report.created += len(new)
    report.updated += bulk_write(Customer, changed, extra={"synced_at": now})
    return rows


def _upsert_accounts(
    accounts: Any,
    owner: dict[str, str],
    customers: dict[str, Customer],
    report: SyncReport,
    now: datetime,
) -> None:
    rows = {a.identifier: a for a in Account.objects.all()}
    changed: list[Changes] = []
    new: list[Account] = []
    for tango in accounts:
        report.seen += 1
        customer = customers.get(
            owner.get(tango.account_identifier) or tango.customer_identifier or ""
        )
        row = rows.get(tango.account_identifier)
        if row is None:
            if customer is None:
                logger.warning("sync: account %s has no known customer", tango.account_identifier)
                report.skipped += 1
                continue
            row = Account(identifier=tango.account_identifier, customer=customer)
            new.append(row)
        changes = _account_changes(row, tango)
        if customer is not None and row.customer_id != customer.pk:
            changes.set("customer_id", customer.pk)
        if tango.current_balance is not None:
            # Always bumped: it dates the balance we show, even when the amount is unchanged.
            changes.set("balance_synced_at", now)
        if changes and row.pk is not None:
            changed.append(changes)
    if new:
        Account.objects.bulk_create(new)
        report.created += len(new)
    report.updated += bulk_write(Account, changed, extra={})


def _account_changes(row: Account, tango: TangoAccount) -> Changes:
    changes = Changes(row)
    changes.set_str("display_name", tango.display_name)
    changes.set_str("account_number", tango.account_number)
    changes.set_str("currency", tango.currency_code)
    changes.set_str("status", tango.status)
    changes.set_str("contact_email", tango.contact_email)
    if tango.current_balance is not None:
        changes.set("current_balance", quantize(tango.current_balance))
    return changes


def catalog_synced_recently(now: datetime | None = None) -> bool:
    last = CatalogItem.objects.aggregate(last=Max("synced_at"))["last"]
    return last is not None and last > (now or timezone.now()) - MIN_CATALOG_INTERVAL


def sync_catalog(*, force: bool = False) -> SyncReport:
    """GET /catalogs → Brand and CatalogItem rows. Skipped if read within MIN_CATALOG_INTERVAL."""
    report = SyncReport()
    now = timezone.now()
    if not force and catalog_synced_recently(now):
        logger.info("sync: catalog read less than %s ago; skipped", MIN_CATALOG_INTERVAL)
        return report
    client = get_client()
    brands = client.get_catalog()
    report.list_calls += 1
    with transaction.atomic():
        brand_rows = {b.brand_key: b for b in Brand.objects.all()}
        new_brands: list[Brand] = []
        changed_brands: list[Changes] = []
        for tango in brands:
            if not tango.brand_key:
                continue
            row = brand_rows.get(tango.brand_key)
            if row is None:
                row = Brand(brand_key=tango.brand_key)
                brand_rows[row.brand_key] = row
                new_brands.append(row)
            changes = Changes(row)
            changes.set_str("name", tango.brand_name or tango.brand_key)
            changes.set_str("status", tango.status)
            changes.set_str("image_url", tango.image_url)
            if changes and row.pk is not None:
                changed_brands.append(changes)
        Brand.objects.bulk_create(new_brands)
        bulk_write(Brand, changed_brands, extra={})
        _upsert_items(brands, brand_rows, report, now)
    return report


def _upsert_items(
    brands: Any, brand_rows: dict[str, Brand], report: SyncReport, now: datetime
) -> None:
    rows = {i.utid: i for i in CatalogItem.objects.all()}
    new: list[CatalogItem] = []
    changed: list[Changes] = []
    seen: set[str] = set()
    for brand in brands:
        for entry in brand.items:
            if not entry.utid or brand.brand_key not in brand_rows:
                continue
            report.seen += 1
            seen.add(entry.utid)
            row = rows.get(entry.utid)
            if row is None:
                row = CatalogItem(utid=entry.utid, brand=brand_rows[brand.brand_key])
                rows[row.utid] = row
                new.append(row)
            changes = _item_changes(row, entry)
            if row.brand_id != brand_rows[brand.brand_key].pk:
                changes.set("brand_id", brand_rows[brand.brand_key].pk)
            if changes and row.pk is not None:
                changed.append(changes)
    for row in new:
        row.synced_at = now
    CatalogItem.objects.bulk_create(new)
    report.created += len(new)
    report.updated += bulk_write(CatalogItem, changed, extra={})
    # One UPDATE dates the whole read, so the interval guard above can see it.
    CatalogItem.objects.filter(utid__in=list(seen)).update(synced_at=now)


def _item_changes(row: CatalogItem, entry: CatalogEntry) -> Changes:
    changes = Changes(row)
    changes.set_str("reward_name", entry.reward_name or entry.utid)
    changes.set_str("currency", entry.currency_code)
    value_type = entry.value_type or (
        ValueType.FIXED_VALUE if entry.face_value is not None else ValueType.VARIABLE_VALUE
    )
    changes.set_str("value_type", value_type)
    changes.set("face_value", quantize(entry.face_value))
    changes.set("min_value", quantize(entry.min_value))
    changes.set("max_value", quantize(entry.max_value))
    changes.set_str("reward_type", entry.reward_type)
    changes.set("delivery_methods", list(entry.attributes))
    changes.set_str("fee_type", entry.fee_type)
    changes.set("fee_value", entry.fee_value)
    changes.set_str("status", entry.status)
    return changes


__all__ = ["catalog_synced_recently", "sync_accounts", "sync_catalog"]
