"""Placing an upload's chosen rows: as orders through the approval policy, in resumable chunks.

`confirm_upload` (the console) takes the user's selection of valid rows (all by default,
uploads.actions.selection), evaluates the policy once for that selection as one batch and
stores each row's verdict (uploads.actions.verdicts), moves the upload to PLACING and enqueues
uploads.tasks.place_upload.

`place_upload` (the worker) then places the chosen rows not placed yet, a chunk per
transaction, each row routed by its stored verdict:

* rows that need no approval, on an account Tango enabled for async orders, become bulk
  orders (POST /asyncOrders, up to BULK_LINES line items per request) of rows that share the
  account, currency and order details (sender, message, campaign, notes, PO number); each
  line's externalRefLineItemID is its row's externalRefID;
* every other row becomes a single order whose externalRefID is the row's externalRefID, the
  ones the policy holds going to the approval queue as one batch (`upload-<id>`) that the
  uploader can never decide.

A chunk is one transaction: the orders, their PlacedRows and the rows' links, then
approvals.actions.submit.submit_orders (placement is enqueued after commit). A worker killed
mid-chunk rolls the chunk back, and the redelivered task resumes at the first row without an
order.

Never twice: PlacedRow.external_ref_id is unique, so a row whose externalRefID was placed by
any upload (this file again, or the same rows in another file) is skipped and told when and by
whom, even when two uploads race; and Tango itself answers a repeated externalRefID (or
externalRefLineItemID) with the order it already has.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from approvals.actions.submit import submit_orders
from approvals.policy import Verdict
from audit.models import AuditAction
from audit.records import record
from core.actor import Actor, ActorPath
from core.errors import ActionNotAllowed, ValidationFailed
from core.jobs import enqueue
from orders.actions.entry import MAX_BULK_LINES, create_bulk_order, create_order
from orders.actions.validation import ADDRESS_KEYS
from orders.models import Order
from uploads.actions.dry_run import DETAIL_KEYS, row_values
from uploads.actions.selection import Selection
from uploads.actions.verdicts import row_verdicts, store_verdicts, stored_verdict
from uploads.models import PlacedRow, Upload, UploadRow

CHUNK = 200  # single orders per transaction
BULK_LINES = MAX_BULK_LINES  # line items per bulk order (Tango's async limit per request)
SELECT_CHUNK = 5000
RESUME_AFTER = timedelta(minutes=2)  # PLACING this long after confirm: the sweeper re-enqueues
LOCK_SPACE = 0x55504C44  # pg advisory lock namespace for upload runners ("UPLD")


def confirm_upload(*, upload_id: int, actor: Actor, selection: Selection | None = None) -> Upload:
    """Start placing the chosen valid rows of a checked upload (ActionNotAllowed: not now;
    ValidationFailed: the selection cannot be read)."""
    selection = selection or Selection()
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        # A placed upload whose selection left valid rows out can place them later.
        if upload.status not in (Upload.Status.CHECKED, Upload.Status.PLACED):
            raise ActionNotAllowed(
                f"This upload is {upload.get_status_display().lower()}; only a finished dry run "
                "can be placed."
            )
        left = upload.rows.filter(valid=True, order__isnull=True)
        if not left.exists():
            raise ActionNotAllowed("No valid rows are left to place.")
        chosen = _chosen(upload, selection.apply(left), selection)
        if not chosen:
            raise ActionNotAllowed("No valid row matches that selection; nothing was placed.")
        upload.rows.filter(selected=True).update(selected=False)
        ids = [row.pk for row in chosen]
        for start in range(0, len(ids), SELECT_CHUNK):
            UploadRow.objects.filter(pk__in=ids[start : start + SELECT_CHUNK]).update(selected=True)
        routes = route_counts(upload)
        upload.status = Upload.Status.PLACING
        upload.confirmed_by = actor.user_or_none
        upload.confirmed_at = timezone.now()
        upload.summary = {**upload.summary, "selected": len(chosen), "routes": routes}
        upload.save(update_fields=["status", "confirmed_by", "confirmed_at", "summary"])
        record(
            actor=actor,
            action=AuditAction.UPLOAD_CONFIRM,
            obj=upload,
            before={"status": Upload.Status.CHECKED},
            after={
                "status": Upload.Status.PLACING,
                "valid_rows": upload.summary.get("valid"),
                "selected_rows": len(chosen),
                "selection": selection.describe(),
                **routes,
            },
        )
        enqueue("uploads.tasks.place_upload", upload_id=upload.pk)
    return upload


def _chosen(upload: Upload, rows: QuerySet[UploadRow], selection: Selection) -> list[UploadRow]:
    """The selected rows with the policy's verdict for them as one batch, stored on each."""
    chosen = list(
        rows.select_related("account").only(
            "pk", "number", "cells", "amount", "currency", "account", "external_ref_id"
        )
    )
    verdicts = row_verdicts(upload, chosen)
    if selection.skip_approval:
        chosen = [row for row in chosen if not verdicts[row.pk].needs_approval]
        verdicts = row_verdicts(upload, chosen)  # a smaller batch: its totals are judged again
    store_verdicts(chosen, verdicts)
    return chosen


def route_counts(upload: Upload) -> dict[str, int]:
    """How the chosen rows will be placed: in bulk orders, as single orders, for approval."""
    bulk = Q(approvals_needed=0, account__async_orders_enabled=True)
    return upload.rows.filter(selected=True, valid=True).aggregate(
        bulk_rows=Count("pk", filter=bulk),
        approval_rows=Count("pk", filter=Q(approvals_needed__gt=0)),
        single_rows=Count("pk", filter=~bulk),
    )


def place_upload(*, upload_id: int) -> Upload:
    """Place every chosen row not placed yet, a chunk per transaction (resumable).

    One runner per upload: a second one (the sweeper's, or a redelivered message while the
    first still runs) finds the upload's lock taken and leaves. The lock is PostgreSQL's
    session-level advisory lock, so a worker killed mid-run releases it with its connection.
    """
    upload = Upload.objects.select_related("created_by", "confirmed_by").get(pk=upload_id)
    if upload.status != Upload.Status.PLACING:
        return upload
    with _runner_lock(upload.pk) as mine:
        if not mine:
            return upload
        actor = Actor.for_user(upload.confirmed_by or upload.created_by, path=ActorPath.IMPORT)
        while _place_bulk_chunk(upload, actor) or _place_single_chunk(upload, actor):
            pass
        Upload.objects.filter(pk=upload.pk, status=Upload.Status.PLACING).update(
            status=Upload.Status.PLACED
        )
    upload.refresh_from_db()
    return upload


def resume_placing(*, older_than: timedelta = RESUME_AFTER) -> list[int]:
    """Enqueue place_upload again for uploads still PLACING some time after confirm (a lost
    message, a broker restart, a worker killed before its message came back): safe, as a
    runner already at work keeps its lock. Returns the upload ids enqueued."""
    stale = list(
        Upload.objects.filter(
            status=Upload.Status.PLACING, confirmed_at__lt=timezone.now() - older_than
        ).values_list("pk", flat=True)
    )
    for upload_id in stale:
        enqueue("uploads.tasks.place_upload", upload_id=upload_id)
    return stale


@contextlib.contextmanager
def _runner_lock(upload_id: int) -> Iterator[bool]:
    if connection.vendor != "postgresql":
        yield True  # SQLite (development): one process, one runner
        return
    key = (LOCK_SPACE, upload_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        mine = bool(cursor.fetchone()[0])
    try:
        yield mine
    finally:
        if mine:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def _pending(upload: Upload) -> QuerySet[UploadRow]:
    return UploadRow.objects.filter(upload=upload, selected=True, valid=True, order__isnull=True)


def _bulk_rows(upload: Upload) -> QuerySet[UploadRow]:
    return _pending(upload).filter(approvals_needed=0, account__async_orders_enabled=True)


def _submit(upload: Upload, actor: Actor, orders: list[Order], verdicts: dict[int, Verdict]):
    submit_orders(
        orders,
        actor=actor,
        batch_label=f"upload-{upload.pk}",
        makers=(upload.created_by,),
        verdicts=verdicts,
    )
    Upload.objects.filter(pk=upload.pk).update(
        placed_rows=UploadRow.objects.filter(upload=upload, order__isnull=False).count()
    )


def _place_single_chunk(upload: Upload, actor: Actor) -> bool:
    with transaction.atomic():
        bulk = _bulk_rows(upload).values("pk")
        rows = list(
            _pending(upload)
            .exclude(pk__in=bulk)
            .select_for_update(of=("self",))
            .select_related("account")
            .order_by("number")[:CHUNK]
        )
        if not rows:
            return False
        orders, verdicts = [], {}
        for row in rows:
            order = _place_row(upload, row, actor)
            if order is not None:
                orders.append(order)
                verdicts[order.pk] = stored_verdict(row, order.pk)
        _submit(upload, actor, orders, verdicts)
    return True


def _place_bulk_chunk(upload: Upload, actor: Actor) -> bool:
    """One bulk order of up to BULK_LINES rows sharing account, currency and details."""
    with transaction.atomic():
        candidates = list(
            _bulk_rows(upload)
            .select_for_update(of=("self",))
            .select_related("account")
            .order_by("account_id", "currency", "number")[: BULK_LINES * 2]
        )
        if not candidates:
            return False
        first = candidates[0]
        key = _group_key(upload, first)
        group = [row for row in candidates if _group_key(upload, row) == key][:BULK_LINES]
        group = _without_placed(group)
        if not group:
            return True
        order = _bulk_order(upload, group, actor)
        if order is None:
            return True
        _submit(upload, actor, [order], {order.pk: Verdict(order_id=order.pk)})
    return True


def _group_key(upload: Upload, row: UploadRow) -> tuple:
    vals = row_values(upload, row)
    return (row.account_id, row.currency, *(vals.get(k, "").strip() for k in DETAIL_KEYS))


def _without_placed(rows: list[UploadRow]) -> list[UploadRow]:
    """The rows whose externalRefID no upload placed yet; the others are told and skipped."""
    earlier = {
        p.external_ref_id: p
        for p in PlacedRow.objects.filter(
            external_ref_id__in=[row.external_ref_id for row in rows]
        ).select_related("placed_by")
    }
    for row in rows:
        if row.external_ref_id in earlier:
            _refuse(row, "already_placed", _already_placed_message(earlier[row.external_ref_id]))
    return [row for row in rows if row.external_ref_id not in earlier]


def _bulk_order(upload: Upload, rows: list[UploadRow], actor: Actor) -> Order | None:
    vals = row_values(upload, rows[0])
    refs = "\x1f".join(row.external_ref_id for row in rows)
    ref = f"{settings.TANGO_EXTERNAL_REF_PREFIX}-upb-{hashlib.sha256(refs.encode()).hexdigest()}"
    lines = [
        {**_order_fields(upload, row), "external_ref_line_item_id": row.external_ref_id}
        for row in rows
    ]
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the rows to be told
            order = create_bulk_order(
                account=rows[0].account,
                lines=lines,
                actor=actor,
                submit=False,
                external_ref_id=ref[:100],
                **{key: vals.get(key, "").strip() for key in DETAIL_KEYS},
            )
            PlacedRow.objects.bulk_create(
                PlacedRow(
                    external_ref_id=row.external_ref_id,
                    row=row,
                    order=order,
                    placed_by=actor.user_or_none,
                )
                for row in rows
            )
    except IntegrityError:
        # Another upload placed some of these rows meanwhile: the next chunk tells them.
        if not PlacedRow.objects.filter(
            external_ref_id__in=[row.external_ref_id for row in rows]
        ).exists():
            raise
        return None
    except ValidationFailed as exc:
        _refuse_lines(rows, exc)
        return None
    UploadRow.objects.filter(pk__in=[row.pk for row in rows]).update(order=order)
    return order


def _refuse_lines(rows: Sequence[UploadRow], exc: ValidationFailed) -> None:
    """A bulk order refused: each line's problems on its row, the order's on every row (rows
    left without a problem of their own stay to be placed in the next chunk)."""
    by_row: dict[int, list[str]] = {}
    common: list[str] = []
    for field, messages in exc.problems.items():
        if field.startswith("lines[") and "]" in field:
            index = int(field[len("lines[") : field.index("]")]) - 1
            by_row.setdefault(index, []).extend(messages)
        else:
            common.extend(messages)
    if not any(index in by_row for index in range(len(rows))):
        common = common or exc.problems.messages()  # never loop on a refusal no row carries
    for index, row in enumerate(rows):
        said = by_row.get(index, []) + common
        if said:
            row.problems = [
                *row.problems,
                *({"kind": "other", "field": "", "message": m} for m in said),
            ]
            _refuse(row, None, None)


def _order_fields(upload: Upload, row: UploadRow) -> dict:
    vals = row_values(upload, row)
    return {
        "utid": vals.get("utid", "").strip(),
        "amount": vals.get("amount", "").strip(),
        "delivery_method": vals.get("delivery_method", "").strip().upper(),
        "recipient_first_name": vals.get("recipient_first_name", "").strip(),
        "recipient_last_name": vals.get("recipient_last_name", "").strip(),
        "recipient_email": vals.get("recipient_email", "").strip(),
        "recipient_mobile": vals.get("recipient_mobile", "").strip(),
        "address": {key: vals.get(f"address_{key}", "") for key in ADDRESS_KEYS},
    }


def _place_row(upload: Upload, row: UploadRow, actor: Actor) -> Order | None:
    vals = row_values(upload, row)
    try:
        with transaction.atomic():  # a savepoint: a row refused leaves the chunk intact
            order = create_order(
                account=row.account,
                **_order_fields(upload, row),
                actor=actor,
                submit=False,
                external_ref_id=row.external_ref_id,
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
        _refuse(row, "already_placed", _already_placed_message(placed))
        return None
    except ValidationFailed as exc:
        for message in exc.problems.messages():
            row.problems = [*row.problems, {"kind": "other", "field": "", "message": message}]
        _refuse(row, None, None)
        return None
    row.order = order
    row.save(update_fields=["order"])
    return order


def _already_placed_message(placed: PlacedRow) -> str:
    return (
        f"Already placed on {timezone.localtime(placed.placed_at):%Y-%m-%d %H:%M} by "
        f"{placed.placed_by.get_username()} (order {placed.order_id})."
    )


def _refuse(row: UploadRow, kind: str | None, message: str | None) -> None:
    if kind and message:
        row.problems = [*row.problems, {"kind": kind, "field": "", "message": message}]
    row.valid = False
    row.save(update_fields=["problems", "valid"])
