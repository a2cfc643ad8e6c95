"""The uploads demo: a small file uploaded by `support`, its dry run done, waiting to be placed.

Its rows show what a dry run reports: valid rows (one above the demo policy's per-order limit,
so placing it sends it to approval) and rows with a bad email, an unknown reward, an amount
outside the reward's range, a +44 mobile for text delivery, a mailed reward without an address
and a row that repeats another. The page then offers the error file and "Place the rows" (the
valid ones go as one bulk order through Tango's async API, the one above the limit as a single
order to approval).
"""

from __future__ import annotations

import csv
import io

from django.contrib.auth import get_user_model

from core.actor import Actor, ActorPath
from orders.models import Account
from uploads.actions.dry_run import run_dry_run
from uploads.actions.upload import create_upload
from uploads.columns import KEYS
from uploads.models import Upload

FILENAME = "demo-team-rewards.csv"
ROWS = [
    # account, utid, amount, delivery_method, first, last, email, mobile, street1, city...
    ("acme-usd-01", "U100001", "25.00", "EMAIL", "Avery", "Lopez", "avery.lopez@example.com", ""),
    ("acme-usd-01", "U100001", "40.00", "EMAIL", "Blake", "Nguyen", "blake.nguyen@example.com", ""),
    ("acme-usd-01", "U100001", "650.00", "EMAIL", "Casey", "Kim", "casey.kim@example.com", ""),
    ("acme-usd-01", "U100001", "30.00", "PHONE", "Drew", "Patel", "", "+14155550123"),
    ("acme-usd-01", "U100001", "25.00", "EMAIL", "Emery", "Ross", "emery.ross@example", ""),
    ("acme-usd-01", "U999999", "25.00", "EMAIL", "Finley", "Shaw", "finley.shaw@example.com", ""),
    ("acme-usd-01", "U100001", "5000.00", "EMAIL", "Gray", "Diaz", "gray.diaz@example.com", ""),
    ("acme-usd-01", "U100001", "20.00", "PHONE", "Harper", "Cole", "", "+447700900123"),
    ("acme-usd-01", "U300001", "50.00", "ADDRESS", "Indy", "Moss", "", ""),
    ("acme-usd-01", "U100001", "40.00", "EMAIL", "Blake", "Nguyen", "blake.nguyen@example.com", ""),
]
_FIELDS = (
    "account",
    "utid",
    "amount",
    "delivery_method",
    "recipient_first_name",
    "recipient_last_name",
    "recipient_email",
    "recipient_mobile",
)


def demo_file() -> bytes:
    """The demo rows as a template-shaped CSV (every template column, in its order)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(KEYS))
    writer.writeheader()
    for row in ROWS:
        writer.writerow({key: "" for key in KEYS} | dict(zip(_FIELDS, row, strict=True)))
    return out.getvalue().encode()


def seed_uploads_demo() -> Upload | None:
    """Upload the demo file as `support` and run its dry run now (None: seeded already, or no
    demo account yet)."""
    if Upload.objects.filter(filename=FILENAME).exists():
        return None
    support = get_user_model().objects.filter(username="support").first()
    if support is None or not Account.objects.filter(identifier="acme-usd-01").exists():
        return None
    # The demo account takes Tango's async orders, so its valid rows are placed as one bulk
    # order (POST /asyncOrders) and the one above the policy's limit waits for approval.
    Account.objects.filter(identifier="acme-usd-01").update(async_orders_enabled=True)
    actor = Actor.for_user(support, path=ActorPath.COMMAND)
    upload = create_upload(name=FILENAME, data=demo_file(), actor=actor)
    # Checked here so the page shows it at once; the worker's copy of the task finds it done.
    return run_dry_run(upload_id=upload.pk)
