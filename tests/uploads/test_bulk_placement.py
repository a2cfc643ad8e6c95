"""Placing an upload through Tango's async API, by the policy's verdict for the whole selection,
and a selection of rows instead of all of them."""

from __future__ import annotations

import pytest

from approvals.models import ApprovalPolicy, ApprovalRequest
from core.errors import ActionNotAllowed
from orders.models import LineItem, Order
from orders.statuses import PlacementState
from tests.uploads.conftest import csv_bytes, good_row
from uploads.actions import confirm
from uploads.actions.dry_run import run_dry_run
from uploads.actions.selection import Selection
from uploads.actions.upload import create_upload
from uploads.models import PlacedRow, Upload

pytestmark = pytest.mark.django_db


def checked(actor, rows, name="team.csv") -> Upload:
    upload = create_upload(name=name, data=csv_bytes(rows), actor=actor)
    return run_dry_run(upload_id=upload.pk)


def placed(upload, actor, selection=None) -> Upload:
    confirm.confirm_upload(upload_id=upload.pk, actor=actor, selection=selection)
    return confirm.place_upload(upload_id=upload.pk)


@pytest.fixture
def async_account(account):
    account.async_orders_enabled = True
    account.save(update_fields=["async_orders_enabled"])
    return account


def test_rows_on_an_async_account_become_one_bulk_order_a_line_per_row(
    catalog, async_account, actor
):
    upload = placed(checked(actor, [good_row(n) for n in range(1, 6)]), actor)
    order = Order.objects.get()
    assert order.is_bulk and order.state == PlacementState.QUEUED
    assert str(order.amount) == "125.00" and order.campaign == "Q3"
    rows = list(upload.rows.order_by("number"))
    lines = list(order.line_items.order_by("line_number"))
    assert [li.external_ref_line_item_id for li in lines] == [r.external_ref_id for r in rows]
    assert all(row.order_id == order.pk for row in rows)
    assert PlacedRow.objects.filter(order=order).count() == 5
    assert upload.placed_rows == 5 and upload.summary["routes"]["bulk_rows"] == 5


def test_bulk_orders_hold_at_most_bulk_lines_and_share_their_details(
    catalog, async_account, actor, monkeypatch
):
    monkeypatch.setattr(confirm, "BULK_LINES", 2)
    rows = [good_row(n) for n in range(1, 5)] + [good_row(5, campaign="Q4")]
    placed(checked(actor, rows), actor)
    orders = list(Order.objects.order_by("pk"))
    assert [o.line_items.count() for o in orders] == [2, 2, 1]
    assert [o.campaign for o in orders] == ["Q3", "Q3", "Q4"]
    assert LineItem.objects.count() == 5


def test_rows_the_policy_holds_wait_as_single_orders_the_rest_go_in_bulk(
    catalog, async_account, actor, uploader
):
    ApprovalPolicy.objects.create(version=1, per_order_limits={"USD": "100.00"})
    upload = placed(checked(actor, [good_row(1, amount="150"), good_row(2), good_row(3)]), actor)
    waiting = Order.objects.get(state=PlacementState.AWAITING_APPROVAL)
    assert (
        not waiting.is_bulk and waiting.external_ref_id == upload.rows.get(number=2).external_ref_id
    )
    assert uploader in ApprovalRequest.objects.get(order=waiting).makers.all()
    bulk = Order.objects.get(is_bulk=True)
    assert bulk.state == PlacementState.QUEUED and bulk.line_items.count() == 2


def test_single_orders_take_their_rows_external_ref_id(catalog, account, actor):
    upload = placed(checked(actor, [good_row(1), good_row(2)]), actor)
    refs = {row.external_ref_id for row in upload.rows.all()}
    assert set(Order.objects.values_list("external_ref_id", flat=True)) == refs


def test_the_batch_total_is_the_whole_selections_not_a_chunks(catalog, account, actor, monkeypatch):
    ApprovalPolicy.objects.create(version=1, batch_limits={"USD": "100.00"})
    monkeypatch.setattr(confirm, "CHUNK", 2)  # chunks of 50.00 each; the upload is 125.00
    placed(checked(actor, [good_row(n) for n in range(1, 6)]), actor)
    states = set(Order.objects.values_list("state", flat=True))
    assert states == {PlacementState.AWAITING_APPROVAL}
    assert ApprovalRequest.objects.count() == 5
    assert all(
        "batch total 125.00 USD" in r.rules[0]["message"] for r in ApprovalRequest.objects.all()
    )


def test_the_dry_run_counts_the_uploads_own_rows_in_the_creators_daily_total(
    catalog, account, actor
):
    ApprovalPolicy.objects.create(version=1, daily_creator_limits={"USD": "100.00"})
    upload = checked(actor, [good_row(n) for n in range(1, 6)])  # 125.00 today, none stored yet
    assert upload.summary["approvals"]["rows"] == 5
    assert "total today 125.00 USD" in upload.rows.first().approval


def test_a_selection_places_only_the_chosen_rows_and_the_rest_later(catalog, account, actor):
    upload = checked(actor, [good_row(n) for n in range(1, 6)])  # file rows 2..6
    upload = placed(upload, actor, Selection(numbers="2-3, 6"))
    assert upload.status == Upload.Status.PLACED and upload.placed_rows == 3
    assert sorted(upload.rows.filter(order__isnull=False).values_list("number", flat=True)) == [
        2,
        3,
        6,
    ]
    upload = placed(upload, actor)  # the rows left out, placed afterwards
    assert upload.placed_rows == 5 and Order.objects.count() == 5


def test_leaving_out_the_rows_that_need_approval(catalog, account, actor):
    ApprovalPolicy.objects.create(version=1, per_order_limits={"USD": "100.00"})
    upload = checked(actor, [good_row(1, amount="150"), good_row(2)])
    upload = placed(upload, actor, Selection(skip_approval=True))
    assert list(Order.objects.values_list("state", flat=True)) == [PlacementState.QUEUED]
    assert upload.rows.get(number=2).order_id is None


def test_a_selection_that_matches_nothing_places_nothing(catalog, account, actor):
    upload = checked(actor, [good_row(1)])
    with pytest.raises(ActionNotAllowed, match="No valid row matches"):
        confirm.confirm_upload(upload_id=upload.pk, actor=actor, selection=Selection(numbers="9"))
    assert Upload.objects.get(pk=upload.pk).status == Upload.Status.CHECKED
    assert not Order.objects.exists()


def test_a_line_refused_at_placement_is_told_on_its_row_and_the_others_go(
    catalog, async_account, actor
):
    upload = checked(actor, [good_row(n) for n in range(1, 4)])
    confirm.confirm_upload(upload_id=upload.pk, actor=actor)
    catalog["link"].min_value, catalog["link"].max_value = 1, 20  # changed after the dry run
    catalog["link"].save()
    row = upload.rows.get(number=3)
    row.cells[upload.keys.index("amount")] = "10.00"
    row.save(update_fields=["cells"])
    upload = confirm.place_upload(upload_id=upload.pk)
    order = Order.objects.get()
    assert order.line_items.count() == 1 and upload.placed_rows == 1
    refused = upload.rows.exclude(number=3)
    assert all(not r.valid and r.order_id is None for r in refused)
    assert all("Line" in r.problems[-1]["message"] for r in refused)


def test_a_second_runner_leaves_while_the_first_holds_the_upload(catalog, account, actor):
    import psycopg
    from django.db import connection

    upload = checked(actor, [good_row(1)])
    confirm.confirm_upload(upload_id=upload.pk, actor=actor)
    settings_dict = connection.settings_dict
    other = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        autocommit=True,
    )
    with other:  # another worker's session, running this upload
        other.execute("SELECT pg_advisory_lock(%s, %s)", (confirm.LOCK_SPACE, upload.pk))
        assert confirm.place_upload(upload_id=upload.pk).status == Upload.Status.PLACING
        assert not Order.objects.exists()
        other.execute("SELECT pg_advisory_unlock(%s, %s)", (confirm.LOCK_SPACE, upload.pk))
    assert confirm.place_upload(upload_id=upload.pk).status == Upload.Status.PLACED


def test_uploads_left_placing_are_enqueued_again(catalog, account, actor, sent_tasks):
    from datetime import timedelta

    from django.utils import timezone

    stale = checked(actor, [good_row(1)])
    confirm.confirm_upload(upload_id=stale.pk, actor=actor)
    fresh = checked(actor, [good_row(2)], name="b.csv")
    confirm.confirm_upload(upload_id=fresh.pk, actor=actor)
    Upload.objects.filter(pk=stale.pk).update(confirmed_at=timezone.now() - timedelta(minutes=5))
    assert confirm.resume_placing() == [stale.pk]


def test_a_bulk_orders_rows_each_show_their_own_line(catalog, async_account, actor):
    from orders.statuses import LineItemStatus
    from uploads.outcomes import row_outcomes

    upload = placed(checked(actor, [good_row(n) for n in range(1, 4)]), actor)
    order = Order.objects.get()
    line = order.line_items.get(line_number=2)
    line.status = LineItemStatus.FAILED
    line.save(update_fields=["status"])
    outcomes = {o.row.number: o for o in row_outcomes(upload, upload.rows.order_by("number"))}
    assert [outcomes[n].line_item_status for n in (2, 3, 4)] == ["", LineItemStatus.FAILED, ""]
    assert outcomes[3].result == "failed" and outcomes[2].result == "placing"
    from uploads.outcomes import filter_counts

    assert filter_counts(upload)["failed"] == 1  # its own row only, not the whole bulk order
