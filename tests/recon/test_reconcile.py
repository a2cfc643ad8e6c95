"""Reconciliation against the simulator: 10,000+ orders over several windows, nothing found
on clean data, each kind of drift the simulator injects silently found, then resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from core.actor import Actor
from orders.models import LineItem, Order
from orders.sync import orders as order_sync
from orders.sync.changes import SyncReport
from recon.actions import resolve
from recon.actions.run import perform_run, start_run
from recon.models import Mismatch, ReconRun
from recon.reading import tango_windows
from tango.client import get_client

pytestmark = pytest.mark.integration  # starts the simulator process

COUNT = 10_200
CAP = 3_000  # Tango's 10,000 cap, lowered here and at the simulator: more windows, same logic
K = Mismatch.Kind


def _run(start, end, actor, sent_tasks, commit) -> ReconRun:
    with commit(execute=True):
        run = start_run(start=start, end=end, actor=actor)
    assert sent_tasks[-1] == ("recon.tasks.run_reconciliation", {"run_id": run.pk})
    return perform_run(run_id=run.pk)  # what the worker runs


def _mirror(start, end) -> None:
    """Our side, fast: Tango's orders imported as the sync imports them (one bulk INSERT per
    window), their line items written straight from GET /lineItems (the sync's per-page
    conditional writes would take a minute for 10,000 orders; tests/orders/sync test those)."""
    from orders.sync.imports import import_orders

    for window in tango_windows(get_client(), start, end):
        import_orders(window.orders, set(), report=SyncReport(), now=timezone.now())
        refs = {t.reference_order_id for t in window.orders}
        orders = dict(
            Order.objects.filter(reference_order_id__in=refs).values_list(
                "reference_order_id", "pk"
            )
        )
        LineItem.objects.filter(order_id__in=orders.values()).delete()
        LineItem.objects.bulk_create(
            [_line(orders[t.reference_order_id], t) for t in window.line_items],
            batch_size=2000,
        )


def _line(order_id: int, t) -> LineItem:
    recipient = t.recipient
    return LineItem(
        order_id=order_id,
        line_number=t.line_number or 1,
        reference_line_item_id=t.reference_line_item_id,
        utid=t.utid or "",
        amount=t.amount_issued.value if t.amount_issued else 0,
        currency=(t.amount_issued and t.amount_issued.currency_code) or "USD",
        status=t.status or "",
        reward_status=t.reward_status or "",
        amount_charged_total=t.amount_charged.total if t.amount_charged else None,
        recipient_email=(recipient and recipient.email) or "",
        recipient_first_name=(recipient and recipient.first_name) or "",
        recipient_last_name=(recipient and recipient.last_name) or "",
        recipient_mobile=(recipient and recipient.mobile_number) or "",
    )


def _found(run: ReconRun) -> set[tuple[str, str, str]]:
    return {
        (m.kind, m.field, m.reference_line_item_id or m.reference_order_id)
        for m in Mismatch.objects.filter(last_run=run)
    }


def _seed(sim, count: int, cap: int, monkeypatch) -> dict:
    monkeypatch.setattr(order_sync, "MAX_RESULT_WINDOW", cap)
    sim.configure(max_result_window=cap)
    now = timezone.now()
    start, end = now - timedelta(days=30), now - timedelta(minutes=1)
    created = sim.bulk_orders(count, start=start.isoformat(), end=end.isoformat(), seed=3)
    assert created["created"] == count
    _mirror(start, end)
    assert Order.objects.count() == count
    return {"start": start, "end": end}


def _targets(n: int) -> list[LineItem]:
    return list(
        LineItem.objects.filter(
            order__is_bulk=False, status="COMPLETE", order__tango_status="COMPLETE"
        )
        .exclude(reward_status__in=["FROZEN", "CANCELLED"])
        .exclude(recipient_email="")
        .select_related("order")
        .order_by("id")[:n]
    )


def _inject(sim, lines: list[LineItem], start) -> dict:
    status, line_status, reward, value, fee, recipient, gone = lines
    sim.drift_order(status.order.reference_order_id, "FAILED")
    sim.drift_line(line_status.reference_line_item_id, status="CANCELLED")
    sim.drift_line(reward.reference_line_item_id, rewardStatus="FROZEN")
    sim.drift_line(value.reference_line_item_id, amountCharged={"value": 1, "total": 1})
    sim.drift_line(fee.reference_line_item_id, amountCharged={"fee": 9.99})
    sim.drift_line(recipient.reference_line_item_id, recipient={"email": "someone@example.org"})
    sim.drift_delete(gone.order.reference_order_id)
    extra = sim.drift_create(
        customerIdentifier="acme-main",
        accountIdentifier="acme-usd-01",
        utid="U100001",
        amount=20,
        deliveryMethod="NONE",
        externalRefID="placed-elsewhere-1",
        createdAt=(start + timedelta(days=3)).isoformat(),
    )
    return {
        (K.ORDER_STATUS, "", status.order.reference_order_id),
        (K.LINE_ITEM_STATUS, "status", line_status.reference_line_item_id),
        (K.LINE_ITEM_STATUS, "reward_status", reward.reference_line_item_id),
        (K.AMOUNT, "amount_charged_value", value.order.reference_order_id),
        (K.AMOUNT, "amount_charged_total", value.order.reference_order_id),
        (K.AMOUNT, "amount_charged_fee", fee.order.reference_order_id),
        (K.RECIPIENT, "recipient_email", recipient.reference_line_item_id),
        (K.MISSING_AT_TANGO, "", gone.order.reference_order_id),
        (K.MISSING_HERE, "", extra["referenceOrderID"]),
    }


def test_ten_thousand_orders_clean_then_each_kind_of_drift(
    sim, make_user, sent_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    world = _seed(sim, COUNT, CAP, monkeypatch)
    commit = django_capture_on_commit_callbacks
    actor = Actor.for_user(make_user("Finance"), ip="10.0.0.9")
    start, end = world["start"], world["end"]

    clean = _run(start, end, actor, sent_tasks, commit)
    assert clean.status == ReconRun.Status.CLEAN, _found(clean)
    assert (clean.found, clean.orders_compared) == (0, COUNT)
    assert clean.line_items_compared == LineItem.objects.count()
    assert clean.windows >= 4  # 10,200 orders under a 3,000 cap
    assert not Mismatch.objects.exists()

    expected = _inject(sim, _targets(7), start)
    drifted = _run(start, end, actor, sent_tasks, commit)
    assert drifted.status == ReconRun.Status.MISMATCHES
    assert _found(drifted) == expected
    assert (drifted.found, drifted.new) == (9, 9)
    mail = Mismatch.objects.get(kind=K.RECIPIENT)
    assert "someone@example.org" not in mail.theirs and mail.theirs.startswith("s")  # masked


def test_resolving_and_the_next_run(
    sim, make_user, sent_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    world = _seed(sim, 300, 10_000, monkeypatch)
    commit = django_capture_on_commit_callbacks
    actor = Actor.for_user(make_user("Finance"), ip="10.0.0.9")
    start, end = world["start"], world["end"]
    lines = _targets(7)
    expected = _inject(sim, lines, start)
    status, _, reward, value, fee, recipient, _ = lines
    assert _found(_run(start, end, actor, sent_tasks, commit)) == expected

    by_kind = {m.kind + m.field: m for m in Mismatch.objects.all()}
    resolve.adopt(mismatch_id=by_kind[K.ORDER_STATUS].pk, actor=actor)
    assert Order.objects.get(pk=status.order_id).tango_status == "FAILED"
    assert status.order.events.filter(message__contains="adopted from Tango").count() == 1
    _, fixed = resolve.resync(mismatch_id=by_kind[K.MISSING_HERE].pk, actor=actor)
    assert fixed and Order.objects.filter(external_ref_id="placed-elsewhere-1").exists()
    _, fixed = resolve.resync(mismatch_id=by_kind[K.LINE_ITEM_STATUS + "status"].pk, actor=actor)
    assert fixed  # COMPLETE -> CANCELLED is a move the sync makes
    # The line-item sync does not rewrite recipients: re-syncing leaves the difference.
    _, fixed = resolve.resync(mismatch_id=by_kind[K.RECIPIENT + "recipient_email"].pk, actor=actor)
    assert not fixed
    resolve.adopt(mismatch_id=by_kind[K.RECIPIENT + "recipient_email"].pk, actor=actor)
    assert LineItem.objects.get(pk=recipient.pk).recipient_email == "someone@example.org"
    with pytest.raises(resolve.ActionNotAllowed, match="nothing to adopt"):
        resolve.adopt(mismatch_id=by_kind[K.MISSING_AT_TANGO].pk, actor=actor)
    with pytest.raises(resolve.ActionNotAllowed, match="why"):
        resolve.explain(mismatch_id=by_kind[K.MISSING_AT_TANGO].pk, note=" ", actor=actor)
    resolve.explain(
        mismatch_id=by_kind[K.MISSING_AT_TANGO].pk, note="Deleted at Tango: ticket 77", actor=actor
    )
    with pytest.raises(resolve.ActionNotAllowed, match="already resolved"):
        resolve.adopt(mismatch_id=by_kind[K.MISSING_AT_TANGO].pk, actor=actor)
    audit = dict(AuditEntry.objects.values_list("action", "reason").order_by("at"))
    assert {"recon.run", "recon.adopt", "recon.resync", "recon.explain"} <= audit.keys()
    assert audit["recon.explain"] == "Deleted at Tango: ticket 77"

    # Tango's reward status goes back to what we have: the next run clears that one.
    sim.drift_line(reward.reference_line_item_id, rewardStatus=reward.reward_status)
    again = _run(start, end, actor, sent_tasks, commit)
    left = {
        (K.AMOUNT, "amount_charged_value", value.order.reference_order_id),
        (K.AMOUNT, "amount_charged_total", value.order.reference_order_id),
        (K.AMOUNT, "amount_charged_fee", fee.order.reference_order_id),
    }
    # What was explained stays explained; nothing resolved comes back; one open row each.
    assert _found(again) == left
    assert (again.found, again.new, again.cleared) == (3, 0, 1)
    assert Mismatch.objects.filter(resolution="").count() == len(left)
    cleared = Mismatch.objects.get(kind=K.LINE_ITEM_STATUS, field="reward_status")
    assert cleared.resolution == Mismatch.Resolution.CLEARED
