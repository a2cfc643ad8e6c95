"""Placing an upload's valid rows: DRAFT orders submitted through the approval policy, in chunks.

`confirm_upload` (the console) moves a checked upload to PLACING and enqueues
uploads.tasks.place_upload. `place_upload` (the worker) takes the rows not yet placed in
chunks; each chunk is one transaction: an order per row (orders.actions.entry.create_order,
submit=False), its PlacedRow, then approvals.actions.submit.submit_orders for the chunk with
the uploader as a maker (they can never approve it). A worker killed mid-chunk rolls the chunk
back, and the redelivered task resumes at the first row without an order.

Never twice: PlacedRow.external_ref_id is unique, so a row whose externalRefID was placed by
any upload (this file again, or the same rows in another file) is skipped and told when and by
whom, even when two uploads race.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.actions.submit import submit_orders
from audit.models import AuditAction
from audit.records import record
from core.actor import Actor, ActorPath
from core.errors import ActionNotAllowed, ValidationFailed
from core.jobs import enqueue
from orders.actions.entry import create_order
from orders.actions.validation import ADDRESS_KEYS
from uploads.actions.dry_run import DETAIL_KEYS, row_values
from uploads.models import PlacedRow, Upload, UploadRow

CHUNK = 200


def confirm_upload(*, upload_id: int, actor: Actor) -> Upload:
    """Start placing the valid rows of a checked upload (ActionNotAllowed: not now)."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        if upload.status != Upload.Status.CHECKED:
            raise ActionNotAllowed(
                f"This upload is {upload.get_status_display().lower()}; only a finished dry run "
                "can be placed."
            )
        if not upload.rows.filter(valid=True, order__isnull=True).exists():
            raise ActionNotAllowed("No valid rows are left to place.")
        upload.status = Upload.Status.PLACING
        upload.confirmed_by = actor.user_or_none
        upload.confirmed_at = timezone.now()
        upload.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        record(
            actor=actor,
            action=AuditAction.UPLOAD_CONFIRM,
            obj=upload,
            before={"status": Upload.Status.CHECKED},
            after={"status": Upload.Status.PLACING, "valid_rows": upload.summary.get("valid")},
        )
        enqueue("uploads.tasks.place_upload", upload_id=upload.pk)
    return upload


def place_upload(*, upload_id: int) -> Upload:
    """Place every valid row not placed yet, a chunk per transaction (resumable)."""
    upload = Upload.objects.select_related("created_by", "confirmed_by").get(pk=upload_id)
    if upload.status != Upload.Status.PLACING:
        return upload
    actor = Actor.for_user(upload.confirmed_by or upload.created_by, path=ActorPath.IMPORT)
    while _place_chunk(upload, actor):
        pass
    Upload.objects.filter(pk=upload.pk, status=Upload.Status.PLACING).update(
        status=Upload.Status.PLACED
    )
    upload.refresh_from_db()
    return upload


def _place_chunk(upload: Upload, actor: Actor) -> bool:
    with transaction.atomic():
        rows = list(
            UploadRow.objects.select_for_update(of=("self",))
            .filter(upload=upload, valid=True, order__isnull=True)
            .select_related("account")
            .order_by("number")[:CHUNK]
        )
        if not rows:
            return False
        orders = []
        for row in rows:
            order = _place_row(upload, row, actor)
            if order is not None:
                orders.append(order)
        submit_orders(
            orders,
            actor=actor,
            batch_label=f"upload-{upload.pk}",
            makers=(upload.created_by,),
        )
        Upload.objects.filter(pk=upload.pk).update(
            placed_rows=UploadRow.objects.filter(upload=upload, order__isnull=False).count()
        )
    return True


def _place_row(upload: Upload, row: UploadRow, actor: Actor):
    vals = row_values(upload, row)
    try:
        with transaction.atomic():  # a savepoint: a row refused leaves the chunk intact
            order = create_order(
                account=row.account,
                utid=vals.get("utid", "").strip(),
                amount=vals.get("amount", "").strip(),
                delivery_method=vals.get("delivery_method", "").strip().upper(),
                recipient_first_name=vals.get("recipient_first_name", "").strip(),
                recipient_last_name=vals.get("recipient_last_name", "").strip(),
                recipient_email=vals.get("recipient_email", "").strip(),
                recipient_mobile=vals.get("recipient_mobile", "").strip(),
                address={key: vals.get(f"address_{key}", "") for key in ADDRESS_KEYS},
                actor=actor,
                submit=False,
                **{key: vals.get(key, "").strip() for key in DETAIL_KEYS},
            )
            PlacedRow.objects.create(
                external_ref_id=row.external_ref_id,
                row=row,
                order=order,
                placed_by=actor.user_or_none,
            )
    except IntegrityError:
        placed = PlacedRow.objects.select_related("placed_by").get(
            external_ref_id=row.external_ref_id
        )
        _refuse(
            row,
            "already_placed",
            f"Already placed on {timezone.localtime(placed.placed_at):%Y-%m-%d %H:%M} by "
            f"{placed.placed_by.get_username()} (order {placed.order_id}).",
        )
        return None
    except ValidationFailed as exc:
        for message in exc.problems.messages():
            row.problems = [*row.problems, {"kind": "other", "field": "", "message": message}]
        _refuse(row, None, None)
        return None
    row.order = order
    row.save(update_fields=["order"])
    return order


def _refuse(row: UploadRow, kind: str | None, message: str | None) -> None:
    if kind and message:
        row.problems = [*row.problems, {"kind": kind, "field": "", "message": message}]
    row.valid = False
    row.save(update_fields=["problems", "valid"])
