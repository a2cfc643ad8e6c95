"""The dry run: every problem of every row, exactly; approvals and money; nothing placed; the
error file round-trips."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from approvals.models import ApprovalPolicy
from orders.models import Order
from tests.factories import OrderFactory
from tests.uploads.conftest import csv_bytes, good_row
from uploads.actions.dry_run import run_dry_run
from uploads.actions.files import error_file_csv
from uploads.actions.upload import create_upload
from uploads.models import Upload

pytestmark = pytest.mark.django_db

# Row n of the file (line n + 1) and the exact problem kinds it must get.
BAD_ROWS = [
    (good_row(1), []),
    (good_row(2, account="nobody-01"), ["account"]),
    (good_row(3, utid="U999999"), ["utid"]),
    (good_row(4, utid="U400001"), ["utid"]),  # inactive in the catalog
    (good_row(5, amount="5000"), ["amount"]),  # above the item's 2000.00
    (good_row(6, utid="U200025", amount="20"), ["amount"]),  # fixed 25.00
    (good_row(7, currency="EUR"), ["currency"]),
    (good_row(8, delivery_method="ADDRESS"), ["delivery_method", "address"]),
    (good_row(9, recipient_email="not-an-email"), ["recipient_email"]),
    (good_row(10, delivery_method="PHONE", recipient_mobile="12"), ["recipient_mobile"]),
    (
        good_row(11, utid="U300001", delivery_method="ADDRESS", address_street1="1 Main St"),
        ["address"],
    ),
    (good_row(1), ["duplicate_row"]),  # the same reward as row 1
    (good_row(1, client_reference="second"), []),  # alike but for its reference: distinct
    (good_row(14, amount="abc", recipient_first_name=""), ["amount", "recipient_name"]),
    (good_row(15, campaign="x" * 2000), ["details"]),  # longer than Tango takes
]


def checked(actor, rows, **kw) -> Upload:
    upload = create_upload(name="team.csv", data=csv_bytes(rows, **kw), actor=actor)
    return run_dry_run(upload_id=upload.pk)


def test_every_row_gets_exactly_its_problems_and_nothing_is_placed(catalog, account, actor):
    upload = checked(actor, [row for row, _ in BAD_ROWS])
    got = {r.number: sorted({p["kind"] for p in r.problems}) for r in upload.rows.all()}
    assert got == {n: sorted(kinds) for n, (_, kinds) in enumerate(BAD_ROWS, start=2)}
    assert upload.status == Upload.Status.CHECKED
    assert upload.checked_rows == upload.total_rows == len(BAD_ROWS)
    assert Order.objects.count() == 0  # nothing placed, not even a draft
    summary = upload.summary
    assert (summary["valid"], summary["invalid"]) == (2, len(BAD_ROWS) - 2)
    kinds = {k["kind"]: k["rows"] for k in summary["kinds"]}
    assert kinds["utid"] == 2 and kinds["amount"] == 3 and kinds["address"] == 2
    duplicate = upload.rows.get(number=13).problems
    assert duplicate[0]["message"] == "Repeats row 2 of this file."
    address = upload.rows.get(number=12).problems
    assert [p["message"] for p in address] == [
        "The mailing address needs: city, state, postal code, country."
    ]  # one sentence, not one per missing field


def test_money_per_account_against_the_balance(catalog, account, actor):
    account.current_balance = Decimal("40.00")
    account.save()
    upload = checked(actor, [good_row(1), good_row(2, amount="30")])
    [money] = upload.summary["money"]
    assert money | {"fees_known": None} == {
        "account": "acme-usd-01",
        "currency": "USD",
        "rows": 2,
        "face_value": "55.00",
        "fees": "0.00",
        "fees_known": None,
        "total": "55.00",
        "balance": "40.00",
        "balance_currency": "USD",
        "exceeds": True,
    }


def test_approvals_per_row_and_for_the_batch_without_writing(catalog, account, actor):
    ApprovalPolicy.objects.create(
        version=1, per_order_limits={"USD": "100.00"}, batch_limits={"USD": "150.00"}
    )
    upload = checked(actor, [good_row(1, amount="120"), good_row(2, amount="50")])
    first, second = upload.rows.order_by("number")
    assert "per-order limit" in first.approval and "batch limit" in first.approval
    assert "per-order limit" not in second.approval and "batch limit" in second.approval
    assert upload.summary["approvals"]["rows"] == 2
    assert "170.00 USD is above the 150.00 USD batch limit" in upload.summary["approvals"]["batch"]
    assert Order.objects.count() == 0


def test_a_recent_order_for_the_same_recipient_is_a_warning(catalog, account, actor):
    order = OrderFactory(amount=Decimal("25.00"), line_item__recipient_email="jane1@example.com")
    upload = checked(actor, [good_row(1), good_row(2)])
    first, second = upload.rows.order_by("number")
    assert first.valid and [w["kind"] for w in first.warnings] == ["recent_order"]
    assert f"Matches order {order.pk}" in first.warnings[0]["message"]
    assert second.warnings == []
    assert upload.summary["warned"] == 1


def test_the_error_file_round_trips(catalog, account, actor):
    upload = checked(actor, [row for row, _ in BAD_ROWS])
    lines = list(csv.reader(io.StringIO(error_file_csv(upload).decode())))
    header, body = lines[0], lines[1:]
    assert header[-1] == "problems" and len(body) == len(BAD_ROWS)
    assert body[0][-1] == "" and "not one of ours" in body[1][-1]
    # Fix every row the way a person would, keep the problems column, upload it again.
    fixed = []
    for n, cells in enumerate(body, start=1):
        row = dict(zip(header, cells, strict=True))
        if row["problems"]:
            row = good_row(100 + n) | {"problems": row["problems"]}
        fixed.append(row)
    again = checked(actor, fixed, headers=header)
    assert again.summary["invalid"] == 0 and again.summary["valid"] == len(BAD_ROWS)


def test_the_upload_enqueues_its_dry_run_by_name(
    catalog, account, actor, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload = create_upload(name="a.csv", data=csv_bytes([good_row()]), actor=actor)
    assert sent_tasks == [("uploads.tasks.run_dry_run", {"upload_id": upload.pk})]
    assert upload.status == Upload.Status.CHECKING


def test_same_rows_get_the_same_external_ref_id_in_another_file(catalog, account, actor):
    one = create_upload(name="a.csv", data=csv_bytes([good_row(1), good_row(2)]), actor=actor)
    other = create_upload(
        name="b.csv",
        data=csv_bytes([good_row(2, recipient_email="JANE2@example.com "), good_row(1)]),
        actor=actor,
    )
    refs = lambda u: sorted(u.rows.values_list("external_ref_id", flat=True))  # noqa: E731
    assert refs(one) == refs(other)
    assert len(set(refs(one))) == 2
