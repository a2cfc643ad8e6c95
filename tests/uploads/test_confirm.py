"""Placing an upload's valid rows: drafts submitted through the policy in chunks, linked to
their rows, resumable after a crash, and never placed twice."""

from __future__ import annotations

import pytest

from approvals.actions.checker import checker_blocker
from approvals.models import ApprovalPolicy, ApprovalRequest
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.models import Order
from orders.statuses import PlacementState
from tests.uploads.conftest import csv_bytes, good_row
from uploads.actions import confirm
from uploads.actions.dry_run import run_dry_run
from uploads.actions.upload import create_upload
from uploads.models import PlacedRow, Upload

pytestmark = pytest.mark.django_db


def checked(actor, rows, name="team.csv") -> Upload:
    upload = create_upload(name=name, data=csv_bytes(rows), actor=actor)
    return run_dry_run(upload_id=upload.pk)


def placed(upload: Upload, actor: Actor) -> Upload:
    confirm.confirm_upload(upload_id=upload.pk, actor=actor)
    return confirm.place_upload(upload_id=upload.pk)


def test_valid_rows_become_orders_linked_to_their_rows(catalog, account, actor, uploader):
    upload = checked(actor, [good_row(1), good_row(2, utid="U999999"), good_row(3, amount="7")])
    upload = placed(upload, actor)
    assert upload.status == Upload.Status.PLACED and upload.placed_rows == 2
    rows = {row.number: row for row in upload.rows.select_related("order")}
    assert rows[3].order is None  # the bad row is never placed
    for number, amount in ((2, "25.00"), (4, "7.00")):
        order = rows[number].order
        assert str(order.amount) == amount and order.created_by == uploader
        assert order.state == PlacementState.QUEUED  # no policy: queued for placement
        assert list(order.upload_rows.all()) == [rows[number]] and order.campaign == "Q3"
    assert Order.objects.count() == 2


def test_the_same_file_twice_places_each_row_once(catalog, account, actor, make_user):
    rows = [good_row(1), good_row(2)]
    first = placed(checked(actor, rows), actor)
    again = checked(Actor.for_user(make_user("Manager", username="m2")), rows, name="copy.csv")
    assert again.summary["valid"] == 0
    problem = again.rows.get(number=2).problems[0]
    assert problem["kind"] == "already_placed" and "by uploader" in problem["message"]
    assert f"upload {first.pk} row 2" in problem["message"]
    with pytest.raises(ActionNotAllowed, match="No valid rows"):
        confirm.confirm_upload(upload_id=again.pk, actor=actor)
    assert Order.objects.count() == 2


def test_two_uploads_checked_before_either_is_placed_still_place_once(catalog, account, actor):
    rows = [good_row(1), good_row(2), good_row(3)]
    one, two = checked(actor, rows), checked(actor, rows[1:], name="b.csv")
    assert two.summary["valid"] == 2  # nothing placed yet when it was checked
    placed(one, actor)
    two = placed(two, actor)
    assert Order.objects.count() == 3 and PlacedRow.objects.count() == 3
    assert two.placed_rows == 0
    assert all(
        row.problems[-1]["kind"] == "already_placed" and not row.valid for row in two.rows.all()
    )


def test_rows_over_the_policy_wait_as_one_batch_the_uploader_cannot_approve(
    catalog, account, actor, uploader, make_user
):
    ApprovalPolicy.objects.create(version=1, per_order_limits={"USD": "100.00"})
    upload = placed(checked(actor, [good_row(1, amount="150"), good_row(2)]), actor)
    request = ApprovalRequest.objects.get()
    assert request.batch == f"upload-{upload.pk}" and uploader in request.makers.all()
    assert request.order.upload_rows.get().number == 2
    assert checker_blocker(request, uploader)  # never their own batch
    assert checker_blocker(request, make_user("Manager", username="boss")) is None
    states = sorted(Order.objects.values_list("state", flat=True))
    assert states == [PlacementState.AWAITING_APPROVAL, PlacementState.QUEUED]


def test_a_crash_mid_placement_resumes_without_placing_twice(catalog, account, actor, monkeypatch):
    upload = checked(actor, [good_row(n) for n in range(1, 6)])
    confirm.confirm_upload(upload_id=upload.pk, actor=actor)
    monkeypatch.setattr(confirm, "CHUNK", 2)
    real, calls = confirm.create_order, []

    def dies_on_the_fourth(**kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise SystemExit("worker killed")  # mid-chunk: the second chunk's second row
        return real(**kwargs)

    monkeypatch.setattr(confirm, "create_order", dies_on_the_fourth)
    with pytest.raises(SystemExit):
        confirm.place_upload(upload_id=upload.pk)
    assert Order.objects.count() == 2  # the first chunk stands, the second rolled back
    assert Upload.objects.get(pk=upload.pk).status == Upload.Status.PLACING
    monkeypatch.setattr(confirm, "create_order", real)
    upload = confirm.place_upload(upload_id=upload.pk)  # the redelivered task
    assert upload.status == Upload.Status.PLACED and upload.placed_rows == 5
    assert Order.objects.count() == 5 == PlacedRow.objects.count()


def test_only_a_finished_dry_run_can_be_placed(catalog, account, actor):
    upload = create_upload(name="a.csv", data=csv_bytes([good_row()]), actor=actor)
    with pytest.raises(ActionNotAllowed, match="dry run in progress"):
        confirm.confirm_upload(upload_id=upload.pk, actor=actor)
