"""The approval policy's verdict for rows of an upload, evaluated as one batch before any of
them is an order: each row as an unsaved order with its one line item, the way submit_orders
would evaluate the drafts (approvals.policy.evaluate; the batch total and the uploader's daily
total count every row of the batch).

The dry run evaluates the valid rows to say what would wait; confirm evaluates the rows the
user chose, once, and stores each verdict on its row. Placement then routes every row by its
stored verdict, whatever chunk it lands in, so a batch of 10,000 rows is judged as a batch and
not as fifty chunks of 200.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from approvals.policy import RuleHit, Verdict, current_policy, evaluate
from orders.models import LineItem, Order
from uploads.models import Upload, UploadRow
from uploads.rows import row_utid

WRITE_CHUNK = 5000


def row_verdicts(upload: Upload, rows: Sequence[UploadRow]) -> dict[int, Verdict]:
    """The current policy's verdict for each row (by row id), the rows being one batch."""
    policy = current_policy()
    if policy is None or not rows:
        return {row.pk: Verdict(order_id=row.pk) for row in rows}
    orders = []
    for row in rows:
        order = Order(
            pk=row.pk,
            account=row.account,
            amount=row.amount,
            currency=row.currency,
            created_by_id=upload.created_by_id,
        )
        # evaluate() reads order.line_items.all(); an unsaved order has none in the database,
        # so its one line is handed over the way prefetch_related would.
        order._prefetched_objects_cache = {"line_items": [LineItem(utid=row_utid(upload, row))]}
        orders.append(order)
    return evaluate(policy, orders)


def store_verdicts(rows: Sequence[UploadRow], verdicts: dict[int, Verdict]) -> None:
    """Write each row's verdict (rules, approvals needed, the sentence staff read): a few
    UPDATEs, one per distinct verdict, whatever the number of rows."""
    same: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        verdict = verdicts[row.pk]
        text = (
            f"Needs {verdict.approvals_needed} approval(s): {verdict.reason}"[:500]
            if verdict.needs_approval
            else ""
        )
        rules = tuple((hit.code, hit.message) for hit in verdict.hits)
        same[(text, verdict.approvals_needed, rules)].append(row.pk)
        row.approval, row.approvals_needed = text, verdict.approvals_needed
        row.rules = [hit.as_dict() for hit in verdict.hits]
    for (text, needed, rules), ids in same.items():
        for start in range(0, len(ids), WRITE_CHUNK):
            UploadRow.objects.filter(pk__in=ids[start : start + WRITE_CHUNK]).update(
                approval=text,
                approvals_needed=needed,
                rules=[{"code": code, "message": message} for code, message in rules],
            )


def stored_verdict(row: UploadRow, order_id: int) -> Verdict:
    """The verdict confirm stored on `row`, for the order made from it."""
    return Verdict(
        order_id=order_id,
        hits=[RuleHit(hit["code"], hit["message"]) for hit in row.rules],
        approvals_needed=row.approvals_needed,
    )
