"""Uploads taken through the real path for the results tests: dry run, confirm, the upload's
orders placed at the fake Tango by orders' placement action, statuses brought in by the sync's
refresh (what the worker and the beat do)."""

from __future__ import annotations

from orders.actions.placement import place_order
from orders.models import Order
from orders.sync.passes import refresh_order
from tango.testing import FakeTango
from tests.uploads.conftest import csv_bytes, good_row
from uploads.actions import confirm
from uploads.actions.dry_run import run_dry_run
from uploads.actions.upload import create_upload
from uploads.models import Upload

MIXED = [
    good_row(1),  # file row 2
    good_row(2, utid="U999999"),  # row 3: not in the catalog
    good_row(3, recipient_email="not-an-email"),  # row 4
    good_row(4, amount="30.00"),  # row 5
]


def checked(actor, rows, name="team.csv", **csv_kw) -> Upload:
    upload = create_upload(name=name, data=csv_bytes(rows, **csv_kw), actor=actor)
    return run_dry_run(upload_id=upload.pk)


def confirmed(actor, rows, name="team.csv", **csv_kw) -> Upload:
    """Checked, confirmed and its rows made orders (queued for placement at Tango)."""
    upload = checked(actor, rows, name, **csv_kw)
    confirm.confirm_upload(upload_id=upload.pk, actor=actor)
    return confirm.place_upload(upload_id=upload.pk)


def place_at_tango(upload: Upload, tango: FakeTango, status: str = "PENDING") -> list[Order]:
    """Each queued order of the upload placed at the fake Tango, which answers `status`."""
    tango.new_order_status = status
    orders = list(Order.objects.filter(upload_rows__upload=upload).order_by("upload_rows__number"))
    for order in orders:
        place_order(order_id=order.pk)
    return [Order.objects.get(pk=order.pk) for order in orders]


def settle(order: Order, tango: FakeTango, status: str = "COMPLETE", line: str = "COMPLETE"):
    """Tango settles the order; the sync's refresh brings it in."""
    tango.set_status(order.reference_order_id, status, line)
    return refresh_order(order_id=order.pk)
