"""A catalog and an account to upload against, and a way to write files of rows."""

from __future__ import annotations

import csv
import io

import pytest

from core.actor import Actor
from tests.factories import AccountFactory, CatalogItemFactory

HEADERS = [
    "account",
    "utid",
    "amount",
    "currency",
    "delivery_method",
    "recipient_first_name",
    "recipient_last_name",
    "recipient_email",
    "recipient_mobile",
    "address_street1",
    "address_city",
    "address_state",
    "address_postal_code",
    "address_country",
    "campaign",
    "client_reference",
]


def good_row(n: int = 1, **changes: str) -> dict[str, str]:
    row = {
        "account": "acme-usd-01",
        "utid": "U100001",
        "amount": "25.00",
        "currency": "USD",
        "delivery_method": "EMAIL",
        "recipient_first_name": "Jane",
        "recipient_last_name": "Doe",
        "recipient_email": f"jane{n}@example.com",
        "campaign": "Q3",
    }
    row.update(changes)
    return row


def csv_bytes(rows: list[dict[str, str]], headers: list[str] = HEADERS, **kw) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, **kw)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def catalog(db):
    return {
        "link": CatalogItemFactory(),
        "fixed": CatalogItemFactory(fixed=True),
        "physical": CatalogItemFactory(physical=True),
        "retired": CatalogItemFactory(utid="U400001", status="inactive", reward_name="Old card"),
    }


@pytest.fixture
def account(db):
    return AccountFactory()


@pytest.fixture
def uploader(make_user):
    return make_user("Support", username="uploader")


@pytest.fixture
def actor(uploader):
    return Actor.for_user(uploader)
