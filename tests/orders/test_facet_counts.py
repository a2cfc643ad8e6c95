"""The facet rollup PostgreSQL keeps (orders/models/facets.py): exact after every kind of
write, safe under concurrent writers, and what the list's facets read instead of the orders."""

from __future__ import annotations

import random
import re
import threading
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from orders.models import FacetCount, LineItem, Order
from tests.factories import LineItemFactory, OrderFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the rollup is kept by PostgreSQL triggers"
)
ORDER_STATUSES = ["", "PENDING", "COMPLETE", "PARTIAL", "FAILED", "CANCELED"]
LINE_STATUSES = ["", "PENDING", "COMPLETE", "FAILED", "CANCELED", "SOME NEW STATUS"]


def recount() -> dict[tuple[str, str | None], int]:
    """What the rollup must say, counted from the tables themselves."""
    expected: Counter = Counter()
    for status in Order.objects.values_list("tango_status", flat=True):
        expected[(status, None)] += 1
    pairs = set(LineItem.objects.values_list("order__tango_status", "order_id", "status"))
    for status, _, line_status in pairs:
        expected[(status, line_status)] += 1
    return dict(expected)


def stored_line_statuses() -> dict[int, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, line_statuses FROM orders_order")
        return dict(cursor.fetchall())


def expected_line_statuses() -> dict[int, list[str]]:
    found: dict[int, set[str]] = {pk: set() for pk in Order.objects.values_list("pk", flat=True)}
    for order_id, status in LineItem.objects.values_list("order_id", "status"):
        found[order_id].add(status)
    return {pk: sorted(statuses) for pk, statuses in found.items()}


@pytest.mark.django_db
def test_rollup_stays_exact_through_every_kind_of_write():
    rng = random.Random(7)
    orders = [OrderFactory(placed=True, tango_status=rng.choice(ORDER_STATUSES)) for _ in range(12)]
    for order in orders:
        for number in range(rng.randrange(0, 4)):
            LineItemFactory(order=order, line_number=number + 2, status=rng.choice(LINE_STATUSES))
    assert FacetCount.rollup() == recount()

    for step in range(40):
        order = rng.choice(orders)
        kind = step % 6
        if kind == 0:  # one order's status through the ORM
            Order.objects.filter(pk=order.pk).update(tango_status=rng.choice(ORDER_STATUSES))
        elif kind == 1:  # many lines in one statement
            LineItem.objects.filter(order__in=rng.sample(orders, 4)).update(
                status=rng.choice(LINE_STATUSES)
            )
        elif kind == 2:  # new lines in one INSERT
            LineItem.objects.bulk_create(
                LineItemFactory.build(
                    order=order, catalog_item=None, line_number=100 + step + n, status=s
                )
                for n, s in enumerate(rng.sample(LINE_STATUSES, 2))
            )
        elif kind == 3:  # a line moves to another order, raw SQL as the sync writes
            line = LineItem.objects.filter(order=order).first()
            if line is not None:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE orders_lineitem SET order_id = %s, status = %s, line_number = %s"
                        " WHERE id = %s",
                        [rng.choice(orders).pk, rng.choice(LINE_STATUSES), 1000 + step, line.pk],
                    )
        elif kind == 4:  # lines deleted
            LineItem.objects.filter(order=order, status=rng.choice(LINE_STATUSES)).delete()
        else:  # an order deleted (its lines first, as Django cascades) or a new one
            if step % 12 == 5:
                orders.remove(order)
                order.delete()
            else:
                orders.append(OrderFactory(placed=True, tango_status=rng.choice(ORDER_STATUSES)))
        assert FacetCount.rollup() == recount(), f"after step {step} (kind {kind})"
        assert stored_line_statuses() == expected_line_statuses()


@pytest.mark.django_db
def test_compaction_folds_deltas_without_changing_a_count():
    for status in ["PENDING", "COMPLETE", "FAILED"]:
        order = OrderFactory(placed=True, tango_status="PENDING", line_item__status="PENDING")
        Order.objects.filter(pk=order.pk).update(tango_status=status)
        order.line_items.update(status=status)
    before = FacetCount.rollup()
    rows_before = FacetCount.objects.count()
    remaining = FacetCount.compact()
    assert FacetCount.rollup() == before == recount()
    assert remaining == FacetCount.objects.count() < rows_before
    assert remaining == len(before)  # one row per key, none for a key whose total is 0


@pytest.mark.django_db
def test_rebuild_repairs_a_rollup_and_line_statuses_written_behind_the_triggers():
    order = OrderFactory(placed=True, tango_status="PARTIAL", line_item__status="COMPLETE")
    LineItemFactory(order=order, line_number=2, status="FAILED")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM orders_facetcount")
        cursor.execute("UPDATE orders_order SET line_statuses = '{}'")
    FacetCount.objects.all().delete()
    assert FacetCount.rollup() == {}
    FacetCount.rebuild()
    assert FacetCount.rollup() == recount()
    assert stored_line_statuses() == {order.pk: ["COMPLETE", "FAILED"]}


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_to_one_order_leave_its_line_statuses_right():
    """Two transactions change different lines of one order at once: the second waits for the
    first (the trigger locks the order) and then sees its line, so nothing is left stale."""
    order = OrderFactory(placed=True, tango_status="PENDING", line_item__status="PENDING")
    second = LineItemFactory(order=order, line_number=2, status="PENDING")
    first = order.line_items.exclude(pk=second.pk).get()
    first_wrote = threading.Event()
    errors: list[BaseException] = []

    def change_first() -> None:
        try:
            with transaction.atomic():
                LineItem.objects.filter(pk=first.pk).update(status="COMPLETE")
                first_wrote.set()
                threading.Event().wait(0.5)  # hold the transaction open
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            first_wrote.set()
            connections.close_all()

    writer = threading.Thread(target=change_first)
    writer.start()
    first_wrote.wait(5)
    LineItem.objects.filter(pk=second.pk).update(status="FAILED")  # autocommit, waits
    writer.join(10)
    assert not errors
    assert stored_line_statuses()[order.pk] == ["COMPLETE", "FAILED"]
    assert FacetCount.rollup() == recount()


@pytest.mark.django_db(transaction=True)
def test_a_line_status_writer_and_an_order_sync_page_cannot_deadlock():
    """A sync page locks its orders, then writes their lines; a webhook's line status write
    (bulk_write) makes the trigger lock the line's order. bulk_write locks the orders first,
    so both take the order before the line: the webhook waits instead of deadlocking."""
    from django.utils import timezone

    from orders.sync.changes import Changes, bulk_write

    order = OrderFactory(placed=True, tango_status="PENDING", line_item__status="PENDING")
    line = order.line_items.get()
    locked = threading.Event()
    errors: list[BaseException] = []

    def sync_page() -> None:  # as orders/sync/orders.py: the orders first, then their lines
        try:
            with transaction.atomic():
                list(Order.objects.select_for_update().filter(pk=order.pk))
                locked.set()
                threading.Event().wait(0.5)  # the webhook's write starts meanwhile
                LineItem.objects.filter(pk=line.pk).update(reward_status="ACTIVE")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            locked.set()
            connections.close_all()

    page = threading.Thread(target=sync_page)
    page.start()
    locked.wait(5)
    changes = Changes(line)
    changes.set("status", "COMPLETE")
    bulk_write(LineItem, [changes], extra={"updated_at": timezone.now()})  # waits for the page
    page.join(10)
    assert not errors
    line.refresh_from_db()
    assert (line.status, line.reward_status) == ("COMPLETE", "ACTIVE")
    assert stored_line_statuses()[order.pk] == ["COMPLETE"]


@pytest.fixture
def support(client, make_user):
    client.force_login(make_user("Support"))
    cache.clear()
    yield
    cache.clear()


def facet_counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="f-((?:status|li_status)-[^"]*)-n"[^>]*>([^<]*)<', html))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{}, {"status": "PARTIAL", "li_status": "FAILED"}, {"status": ["PARTIAL", "FAILED"]}],
    ids=["no filter", "PARTIAL + FAILED lines", "two order statuses"],
)
def test_list_facets_come_from_the_rollup_without_scanning_orders(client, support, params):
    for status, lines in [("PARTIAL", ["COMPLETE", "FAILED"]), ("PARTIAL", ["COMPLETE"]),
                          ("FAILED", ["FAILED"]), ("COMPLETE", ["COMPLETE"])]:  # fmt: skip
        order = OrderFactory(placed=True, tango_status=status, line_item__status=lines[0])
        for number, line_status in enumerate(lines[1:], start=2):
            LineItemFactory(order=order, line_number=number, status=line_status)
    with CaptureQueriesContext(connection) as ctx:
        rolled = client.get("/orders/facets/", params).content.decode()
    assert not [q["sql"] for q in ctx.captured_queries if "orders_order" in q["sql"]]
    assert any("orders_facetcount" in q["sql"] for q in ctx.captured_queries)
    # The same counts as SQL over the orders gives (the rollup switched off).
    cache.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FacetCount, "available", staticmethod(lambda: False))
        counted = client.get("/orders/facets/", params).content.decode()
    assert facet_counts(rolled) == facet_counts(counted)
    assert facet_counts(rolled)  # and there are counts at all
    if params.get("li_status") == "FAILED":
        assert facet_counts(rolled)["status-PARTIAL"] == "1"
        assert facet_counts(rolled)["li_status-COMPLETE"] == "2"


@pytest.mark.django_db
def test_any_other_filter_is_counted_by_sql(client, support):
    order = OrderFactory(placed=True, tango_status="COMPLETE")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(
            "/orders/facets/", {"status": "COMPLETE", "account": order.account.identifier}
        ).content.decode()
    assert [q for q in ctx.captured_queries if "orders_order" in q["sql"]]
    assert facet_counts(html)["status-COMPLETE"] == "1"
