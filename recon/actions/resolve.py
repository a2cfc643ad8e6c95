"""Resolve a mismatch: re-sync it, adopt Tango's value, or mark it explained (audited).

* re-sync: the order's ordinary sync read ("Refresh from Tango"; an order missing here is
  imported the way the sync imports one), then the difference is compared again: resolved only
  if it is gone. The sync never moves a status back (orders.statuses), so a status Tango moved
  "backwards" stays different: adopt it or explain it.
* adopt: Tango's value, read now, is written onto our row as it is (a timeline row for a status,
  the audit row with before / after, recipient values masked). Nothing is adopted from an order
  Tango no longer has.
* explain: a note says why the difference is right (e.g. a known Tango-side correction).

HTTP first with no transaction open, then one transaction for the write and its audit row.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor, ActorPath
from core.errors import ActionNotAllowed
from orders import events
from orders.models import LineItem, Order
from orders.sync import passes
from orders.sync.changes import SyncReport, fit, quantize
from orders.sync.line_items import apply_tango_line_items
from orders.sync.orders import apply_tango_orders
from recon.compare import AMOUNTS, RECIPIENT, compare_window
from recon.models import Mismatch
from tango.client import get_client
from tango.errors import TangoNotFound

K = Mismatch.Kind
R = Mismatch.Resolution
ADOPT_NOTE = "adopted from Tango (reconciliation)"


def _open(mismatch_id: int) -> Mismatch:
    mismatch = Mismatch.objects.get(pk=mismatch_id)
    if not mismatch.is_open:
        raise ActionNotAllowed("This mismatch is already resolved.")
    return mismatch


def _close(mismatch: Mismatch, resolution: str, actor: Actor, note: str, action: AuditAction,
           **audit: dict) -> Mismatch:  # fmt: skip
    updated = Mismatch.objects.filter(pk=mismatch.pk, resolution=R.OPEN).update(
        resolution=resolution,
        note=note,
        resolved_by=actor.user_or_none,
        resolved_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if not updated:
        raise ActionNotAllowed("Someone resolved this mismatch meanwhile.")
    record(
        actor=actor,
        action=action,
        obj=mismatch,
        before={"kind": mismatch.kind, "ours": mismatch.ours, "theirs": mismatch.theirs},
        after={"resolution": resolution, **audit.get("after", {})},
        reason=note,
    )
    mismatch.refresh_from_db()
    return mismatch


def explain(*, mismatch_id: int, note: str, actor: Actor) -> Mismatch:
    mismatch = _open(mismatch_id)
    if not note.strip():
        raise ActionNotAllowed("Say why the difference is right.")
    with transaction.atomic():
        return _close(mismatch, R.EXPLAINED, actor, note.strip(), AuditAction.RECON_EXPLAIN)


def _import(reference: str, actor: Actor) -> None:
    """An order Tango has and we do not: read and import it as the sync would."""
    client = get_client()
    tango = client.get_order(reference)
    lines = list(client.iter_line_items(reference_order_id=reference))
    with transaction.atomic():
        report = SyncReport()
        apply_tango_orders([tango], report=report, actor=actor.via(ActorPath.SYNC))
        apply_tango_line_items(lines, report=report, actor=actor.via(ActorPath.SYNC))


def _still_differs(mismatch: Mismatch) -> bool:
    client = get_client()
    try:
        tango = client.get_order(mismatch.reference_order_id)
    except TangoNotFound:
        return mismatch.kind == K.MISSING_AT_TANGO
    lines = list(client.iter_line_items(reference_order_id=mismatch.reference_order_id))
    return mismatch.key in {f.key for f in compare_window([tango], lines).found}


def resync(*, mismatch_id: int, actor: Actor) -> tuple[Mismatch, bool]:
    """(the mismatch, whether the re-sync resolved it)."""
    mismatch = _open(mismatch_id)
    order = Order.objects.filter(reference_order_id=mismatch.reference_order_id).first()
    try:
        if order is None:
            if mismatch.kind == K.MISSING_AT_TANGO:
                raise ActionNotAllowed("The order is no longer here either: explain it.")
            _import(mismatch.reference_order_id, actor)
        elif mismatch.kind != K.MISSING_AT_TANGO:
            read = passes.read_order(order_id=order.pk)
            with transaction.atomic():
                passes.apply_order_read(read, actor=actor.via(ActorPath.SYNC))
    except TangoNotFound as exc:
        raise ActionNotAllowed("Tango has no such order now: explain it.") from exc
    if _still_differs(mismatch):
        return mismatch, False
    with transaction.atomic():
        return _close(mismatch, R.RESYNCED, actor, "", AuditAction.RECON_RESYNC), True


def adopt_blocker(mismatch: Mismatch) -> str | None:
    if mismatch.kind == K.MISSING_AT_TANGO:
        return "Tango has no such order: there is nothing to adopt."
    return None


def adopt(*, mismatch_id: int, actor: Actor) -> Mismatch:
    mismatch = _open(mismatch_id)
    blocker = adopt_blocker(mismatch)
    if blocker:
        raise ActionNotAllowed(blocker)
    if mismatch.kind == K.MISSING_HERE:
        _import(mismatch.reference_order_id, actor)
        with transaction.atomic():
            return _close(mismatch, R.ADOPTED, actor, "", AuditAction.RECON_ADOPT)
    client = get_client()
    try:
        if mismatch.reference_line_item_id:
            tango = client.get_line_item(mismatch.reference_line_item_id)
        else:
            tango = client.get_order(mismatch.reference_order_id)
    except TangoNotFound as exc:
        raise ActionNotAllowed("Tango has no such order now: explain it.") from exc
    with transaction.atomic():
        value = _write(mismatch, tango, actor)
        return _close(
            mismatch, R.ADOPTED, actor, "", AuditAction.RECON_ADOPT, after={"value": value}
        )


def _write(mismatch: Mismatch, tango, actor: Actor) -> str:
    """Tango's current value for the mismatch's field onto our row; the value as audited."""
    if mismatch.line_item_id is None:
        order = Order.objects.select_for_update().get(pk=mismatch.order_id)
        if mismatch.kind == K.ORDER_STATUS:
            old, order.tango_status = order.tango_status, fit(Order, "tango_status", tango.status)
            order.save(update_fields=["tango_status", "updated_at"])
            events.tango_status_changed(
                order=order,
                actor=actor,
                old_status=old,
                new_status=order.tango_status,
                message=f"Tango order status {old or '(none)'} → {order.tango_status} "
                f"({ADOPT_NOTE})",
            )
            return order.tango_status
        key = next(k for k, column in AMOUNTS.items() if column == mismatch.field)
        value = quantize(getattr(tango.amount_charged, key, None))
        setattr(order, mismatch.field, value)
        order.save(update_fields=[mismatch.field, "updated_at"])
        return str(value)
    line = LineItem.objects.select_for_update().get(pk=mismatch.line_item_id)
    if mismatch.kind == K.LINE_ITEM_STATUS:
        old = getattr(line, mismatch.field)
        new = fit(LineItem, mismatch.field, getattr(tango, mismatch.field))
        setattr(line, mismatch.field, new)
        line.save(update_fields=[mismatch.field, "updated_at"])
        events.line_item_changed(
            line_item=line, changes={mismatch.field: (old, new)}, actor=actor, note=ADOPT_NOTE
        )
        return new
    if mismatch.kind == K.AMOUNT:
        line.amount_charged_total = quantize(tango.amount_charged.total)
        line.save(update_fields=["amount_charged_total", "updated_at"])
        return str(line.amount_charged_total)
    attr, (column, mask, _) = next(
        (a, spec) for a, spec in RECIPIENT.items() if spec[0] == mismatch.field
    )
    value = getattr(tango.recipient, attr, None) if tango.recipient else None
    setattr(line, column, fit(LineItem, column, value))
    line.save(update_fields=[column, "updated_at"])
    return mask(value) if value else ""
