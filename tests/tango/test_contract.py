"""Contract tests: the real TangoClient over HTTP against the running simulator.

The simulator speaks shared/TANGO_API.md, so these are the same expectations we hold Tango
to; only the base URL and credentials differ. The simulator's private admin API (reset, clock,
config) is used only to set up scenarios.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from tango import (
    Recipient,
    TangoActionWindowClosed,
    TangoAuthError,
    TangoClient,
    TangoInFlight,
    TangoInsufficientFunds,
    TangoNotFound,
    TangoRateLimited,
    TangoReissueLimit,
    TangoRejected,
    TangoRewardStatusRefused,
    TangoThrottled,
    TangoUnavailable,
)

pytestmark = pytest.mark.integration

CUSTOMER = "acme-main"
ACCOUNT = "acme-usd-01"  # big USD balance
SMALL_ACCOUNT = "acme-usd-02"  # ~500 USD
REWARD_LINK = "U100001"  # a Choice Product: cancel / freeze allowed
GIFT_CARD = "U200001"  # Amazon.com, not a Choice Product
DAY = 86_400


@pytest.fixture(scope="session")
def sim(tmp_path_factory):
    from tango_sim.testing import running_simulator

    with running_simulator(tmp_path_factory.mktemp("sim"), TANGO_SIM_ORDER_TPS="0") as handle:
        yield handle


@pytest.fixture(autouse=True)
def clean_sim(sim):
    # Every test starts from the seed data, the startup config and the real clock.
    sim.reset()
    yield


@pytest.fixture
def tango(sim) -> Iterator[TangoClient]:
    # Overrides the canned-answer fixture of conftest.py: the same client, over real HTTP.
    client = TangoClient(
        base_url=sim.base_url,
        platform_name=sim.platform_name,
        platform_key=sim.platform_key,
        read_timeout=15.0,
    )
    yield client
    client.close()


def new_ref() -> str:
    return f"ct-{uuid.uuid4().hex[:16]}"


def place(tango: TangoClient, **overrides):
    fields = {
        "customer_identifier": CUSTOMER,
        "account_identifier": ACCOUNT,
        "utid": REWARD_LINK,
        "amount": Decimal("10.00"),
        "delivery_method": "EMAIL",
        "external_ref_id": new_ref(),
        "recipient": Recipient(first_name="Jane", last_name="Doe", email="jane@example.com"),
    }
    fields.update(overrides)
    return tango.create_order(**fields)


# --- POST /orders -----------------------------------------------------------------------------


def test_create_is_201_then_200_with_the_same_order(tango):
    ref = new_ref()
    first = place(tango, external_ref_id=ref, amount=Decimal("25.05"))
    again = place(tango, external_ref_id=ref, amount=Decimal("99.00"))  # body not compared

    assert first.created is True
    assert again.created is False
    assert again.order.reference_order_id == first.order.reference_order_id
    order = first.order
    assert order.reference_order_id
    assert order.reference_line_item_id
    assert order.external_ref_id == ref
    assert (order.customer_identifier, order.account_identifier) == (CUSTOMER, ACCOUNT)
    assert order.status == "COMPLETE"
    assert order.amount_charged is not None
    assert order.amount_charged.currency_code == "USD"
    assert order.denomination is not None
    assert order.denomination.value == Decimal("25.05")
    assert isinstance(order.denomination.value, Decimal)
    assert order.created_at is not None and order.created_at.tzinfo is not None
    assert order.recipient is not None and order.recipient.email == "jane@example.com"
    assert order.reward is not None and order.reward.credentials


def test_same_external_ref_in_flight_is_409(tango, sim):
    sim.configure(create_latency_ms=1500)
    ref = new_ref()
    outcome: dict[str, object] = {}

    def first_create() -> None:
        try:
            outcome["first"] = place(tango, external_ref_id=ref)
        except Exception as exc:  # reported below, not swallowed
            outcome["first"] = exc

    thread = threading.Thread(target=first_create)
    thread.start()
    time.sleep(0.4)  # the first create has reserved the externalRefID and is "processing"
    with pytest.raises(TangoInFlight) as info:
        place(tango, external_ref_id=ref)
    thread.join(timeout=20)

    assert info.value.status_code == 409
    assert info.value.i18n_key == "409.002"
    assert info.value.retry_after == 2.0
    assert isinstance(info.value, TangoUnavailable)  # retryable
    first = outcome["first"]
    assert not isinstance(first, Exception), first
    assert first.created is True  # type: ignore[union-attr]
    retried = place(tango, external_ref_id=ref)
    assert retried.created is False
    assert retried.order.reference_order_id == first.order.reference_order_id  # type: ignore[union-attr]


def test_unknown_utid_is_rejected_with_the_envelope(tango):
    with pytest.raises(TangoRejected) as info:
        place(tango, utid="U999999")

    error = info.value
    assert type(error) is TangoRejected
    assert error.status_code in (400, 422)
    assert error.i18n_key == "422.024"
    assert error.message
    assert error.request_id
    assert error.path and error.path.endswith("/orders")
    assert "422.024" in str(error)


def test_field_validation_errors_are_listed(tango):
    with pytest.raises(TangoRejected) as info:
        place(tango, utid="not-a-utid", recipient=Recipient(first_name="Jane", email="nope"))

    error = info.value
    assert error.status_code in (400, 422)
    paths = {field.path for field in error.errors}
    assert "utid" in paths
    assert all(field.message for field in error.errors)
    assert error.i18n_key  # top-level key, or the first field error's


def test_insufficient_funds_is_402(tango, sim):
    balance = tango.get_account(SMALL_ACCOUNT).current_balance
    assert balance is not None

    with pytest.raises(TangoInsufficientFunds) as info:
        place(tango, account_identifier=SMALL_ACCOUNT, amount=balance + Decimal("100.00"))

    assert info.value.status_code == 402
    assert info.value.i18n_key == "402.001"
    assert isinstance(info.value, TangoRejected)
    assert tango.get_account(SMALL_ACCOUNT).current_balance == balance  # nothing debited


def test_second_create_within_a_second_is_rate_limited(tango, sim):
    sim.configure(order_tps=1)
    place(tango)
    with pytest.raises(TangoRateLimited) as info:
        place(tango)
    assert info.value.status_code == 429
    assert info.value.i18n_key and info.value.i18n_key.startswith("429.")
    assert info.value.retry_after is not None and info.value.retry_after > 0
    assert isinstance(info.value, TangoUnavailable)


def test_wrong_platform_key_is_auth_error(sim):
    bad = TangoClient(base_url=sim.base_url, platform_name=sim.platform_name, platform_key="nope")
    with pytest.raises(TangoAuthError) as info:
        bad.list_accounts()
    assert info.value.status_code == 401
    assert info.value.i18n_key and info.value.i18n_key.startswith("401.")


# --- reading orders -------------------------------------------------------------------------


def test_get_has_credentials_and_list_does_not(tango):
    placed = place(tango).order

    fetched = tango.get_order(placed.reference_order_id)
    listed = tango.list_orders(
        external_ref_id=placed.external_ref_id, account_identifier=ACCOUNT
    ).orders

    assert fetched.reference_order_id == placed.reference_order_id
    assert fetched.reward is not None
    assert [c.value for c in fetched.reward.credentials] == [
        c.value
        for c in placed.reward.credentials  # type: ignore[union-attr]
    ]
    assert all(c.value for c in fetched.reward.credentials)
    assert [o.reference_order_id for o in listed] == [placed.reference_order_id]
    assert listed[0].reward is None
    assert listed[0].status == "COMPLETE"


def test_unknown_order_is_not_found(tango):
    with pytest.raises(TangoNotFound) as info:
        tango.get_order("RA990101-1-1")
    assert info.value.status_code == 404
    assert info.value.i18n_key


def test_list_paging_and_iter_orders(tango):
    refs = {place(tango, campaign="paging").order.reference_order_id for _ in range(5)}

    first = tango.list_orders(page=0, elements_per_block=2, account_identifier=ACCOUNT)
    second = tango.list_orders(page=1, elements_per_block=2, account_identifier=ACCOUNT)
    last = tango.list_orders(page=2, elements_per_block=2, account_identifier=ACCOUNT)

    assert (first.number, second.number, last.number) == (0, 1, 2)
    assert first.total_count == 5
    assert (first.result_count, second.result_count, last.result_count) == (2, 2, 1)
    assert first.elements_per_block == 2
    paged = [o.reference_order_id for page in (first, second, last) for o in page.orders]
    assert set(paged) == refs and len(paged) == 5
    iterated = [
        o.reference_order_id
        for o in tango.iter_orders(account_identifier=ACCOUNT, elements_per_block=2)
    ]
    assert sorted(iterated) == sorted(refs)


def test_find_order_by_external_ref(tango):
    placed = place(tango).order
    ref = placed.external_ref_id
    assert ref is not None

    found = tango.find_order_by_external_ref(external_ref_id=ref, account_identifier=ACCOUNT)
    elsewhere = tango.find_order_by_external_ref(
        external_ref_id=ref, account_identifier=SMALL_ACCOUNT
    )
    unknown = tango.find_order_by_external_ref(
        external_ref_id=new_ref(), account_identifier=ACCOUNT
    )

    assert found is not None and found.reference_order_id == placed.reference_order_id
    assert elsewhere is None  # idempotency (and lookup) is per account
    assert unknown is None


def test_pending_scenario_completes_when_the_clock_moves(tango, sim):
    placed = place(tango, amount=Decimal("10.11")).order  # .11 = PENDING, COMPLETE after 1 h
    assert placed.status == "PENDING"

    sim.advance(3601)

    assert tango.get_order(placed.reference_order_id).status == "COMPLETE"


# --- resends ----------------------------------------------------------------------------------


def test_resend_then_throttled_then_allowed_after_30_seconds(tango, sim):
    ref = place(tango).order.reference_order_id

    first = tango.resend_order(ref)
    with pytest.raises(TangoThrottled) as info:
        tango.resend_order(ref)
    sim.advance(31)
    again = tango.resend_order(ref, new_email="jane.new@example.com")

    assert first.id is not None
    assert first.created_at is not None
    assert info.value.status_code == 403
    assert info.value.i18n_key == "403.005"
    assert info.value.retry_after is not None and 0 < info.value.retry_after <= 30
    assert isinstance(info.value, TangoRejected)
    assert again.id is not None and again.id != first.id
    assert again.email == "jane.new@example.com"


def test_resend_line_item(tango, sim):
    line_id = place(tango).order.reference_line_item_id
    assert line_id is not None
    result = tango.resend_line_item(line_id, reason_code="NOT_RECEIVED")
    assert result.id is not None
    with pytest.raises(TangoThrottled):
        tango.resend_line_item(line_id, reason_code="NOT_RECEIVED")


# --- line items -------------------------------------------------------------------------------


def test_freeze_unfreeze_cancel_a_choice_product(tango, sim):
    line_id = place(tango, utid=REWARD_LINK).order.reference_line_item_id
    assert line_id is not None
    before = tango.get_line_item(line_id)
    assert (before.can_cancel, before.can_freeze) == (True, True)
    assert before.status == "COMPLETE"
    assert before.reward is not None and before.reward.credentials

    tango.freeze_line_item(line_id, reason_code="VERIFY_ORDER")
    frozen = tango.get_line_item(line_id)
    tango.unfreeze_line_item(line_id, reason_code="OTHER", other_reason="verified")
    unfrozen = tango.get_line_item(line_id)
    tango.cancel_line_item(line_id, reason_code="DUPLICATE")
    cancelled = tango.get_line_item(line_id)

    assert frozen.reward_status == "FROZEN"
    assert unfrozen.reward_status != "FROZEN"
    assert cancelled.status == "CANCELLED"
    with pytest.raises(TangoRejected):
        tango.cancel_line_item(line_id, reason_code="DUPLICATE")  # already cancelled


def test_line_item_actions_refused_after_five_days(tango, sim):
    line_id = place(tango, utid=REWARD_LINK).order.reference_line_item_id
    assert line_id is not None

    sim.advance(6 * DAY)

    assert tango.get_line_item(line_id).can_cancel is False
    with pytest.raises(TangoRejected) as cancel:
        tango.cancel_line_item(line_id, reason_code="DUPLICATE")
    with pytest.raises(TangoRejected):
        tango.freeze_line_item(line_id, reason_code="FRAUD")
    assert type(cancel.value) is TangoActionWindowClosed  # a TangoRejected: final
    assert cancel.value.status_code == 403
    assert cancel.value.i18n_key == "403.019"


def test_reissue_cancels_the_reward_and_answers_the_new_order(tango):
    line_id = place(tango, utid=REWARD_LINK, amount=Decimal("30.00")).order.reference_line_item_id
    assert line_id is not None

    result = tango.reissue_line_item(
        line_id, reason_code="RECIPIENT", amount="20.00", recipient={"email": "new@example.com"}
    )

    assert result.reissued_from == line_id
    new_id = result.new_reference_line_item_id
    assert new_id and result.order.reference_order_id
    original = tango.get_line_item(line_id)
    assert (original.status, original.reward_status) == ("CANCELLED", "CANCELLED")
    assert original.reissued_to == new_id
    fresh = tango.get_line_item(new_id)
    assert fresh.reissued_from == line_id
    assert fresh.amount_issued.value == Decimal("20.00")
    # The original is cancelled: a second reissue of it is refused, typed.
    with pytest.raises(TangoRewardStatusRefused):
        tango.reissue_line_item(line_id, reason_code="RECIPIENT")


def test_the_sixth_reissue_along_a_chain_is_refused(tango):
    line_id = place(tango, utid=REWARD_LINK).order.reference_line_item_id
    for _ in range(5):
        line_id = tango.reissue_line_item(
            line_id, reason_code="OTHER", other_reason="again"
        ).new_reference_line_item_id
    with pytest.raises(TangoReissueLimit) as info:
        tango.reissue_line_item(line_id, reason_code="OTHER", other_reason="again")
    assert info.value.i18n_key == "403.022"


def test_line_item_actions_refused_on_non_choice_products(tango):
    line_id = place(tango, utid=GIFT_CARD).order.reference_line_item_id
    assert line_id is not None

    assert tango.get_line_item(line_id).can_cancel is False
    with pytest.raises(TangoRejected) as info:
        tango.cancel_line_item(line_id, reason_code="DUPLICATE")
    assert info.value.status_code == 403
    with pytest.raises(TangoRejected):
        tango.freeze_line_item(line_id, reason_code="FRAUD")


def test_list_line_items_with_keyset_paging(tango):
    placed = {place(tango).order.reference_line_item_id for _ in range(3)}

    first = tango.list_line_items(elements_per_block=2)
    assert len(first.line_items) == 2
    assert first.next_page_keys
    assert first.total_count == 3
    second = tango.list_line_items(elements_per_block=2, page_keys=first.next_page_keys)
    paged = {i.reference_line_item_id for i in first.line_items + second.line_items}
    iterated = {i.reference_line_item_id for i in tango.iter_line_items(elements_per_block=2)}

    assert paged == placed
    assert iterated == placed
    assert all(i.reward is None for i in first.line_items)  # no credentials in lists


def test_line_items_of_one_order(tango):
    placed = place(tango).order
    place(tango)
    items = list(tango.iter_line_items(reference_order_id=placed.reference_order_id))
    assert [i.reference_line_item_id for i in items] == [placed.reference_line_item_id]
    assert items[0].reference_order_id == placed.reference_order_id


# --- accounts, customers, catalog -----------------------------------------------------------


def test_accounts(tango):
    accounts = {a.account_identifier: a for a in tango.list_accounts()}
    small = tango.get_account(SMALL_ACCOUNT)

    assert {ACCOUNT, SMALL_ACCOUNT, "globex-eur-01"} <= set(accounts)
    assert accounts["globex-eur-01"].currency_code == "EUR"
    assert small.currency_code == "USD"
    assert isinstance(small.current_balance, Decimal)
    assert small.current_balance == accounts[SMALL_ACCOUNT].current_balance
    assert small.status == "ACTIVE"
    with pytest.raises(TangoNotFound):
        tango.get_account("no-such-account")


def test_balance_drops_by_the_amount_charged(tango):
    before = tango.get_account(ACCOUNT).current_balance
    order = place(tango, amount=Decimal("12.34")).order
    after = tango.get_account(ACCOUNT).current_balance
    assert order.amount_charged is not None and order.amount_charged.total is not None
    assert before - after == order.amount_charged.total  # type: ignore[operator]


def test_customers(tango):
    customers = {c.customer_identifier: c for c in tango.list_customers()}
    assert {"acme-main", "globex-eu"} <= set(customers)
    acme = customers["acme-main"]
    assert {ACCOUNT, SMALL_ACCOUNT} <= {a.account_identifier for a in acme.accounts}
    assert all(a.customer_identifier == "acme-main" for a in acme.accounts)


def test_catalog(tango):
    brands = tango.get_catalog()
    items = {item.utid: item for brand in brands for item in brand.items}

    assert len(items) >= 20
    reward_link = items[REWARD_LINK]
    assert reward_link.value_type == "VARIABLE_VALUE"
    assert reward_link.min_value is not None and reward_link.max_value is not None
    assert "EMAIL" in reward_link.attributes
    fixed = [item for item in items.values() if item.value_type == "FIXED_VALUE"]
    assert fixed and all(isinstance(item.face_value, Decimal) for item in fixed)
    assert all(brand.brand_key and brand.brand_name for brand in brands)


# --- async (bulk) orders (§7.7) ------------------------------------------------------------------


def test_async_order_summary_is_paged_and_get_async_order_reads_every_page(tango):
    ref = new_ref()
    where = {
        "customer_identifier": CUSTOMER,
        "account_identifier": ACCOUNT,
        "external_ref_id": ref,
    }
    accepted = tango.create_async_order(
        **where,
        line_items=[
            {
                "external_ref_line_item_id": f"{ref}-{n}",
                "utid": REWARD_LINK,
                "amount": Decimal("1.00"),
                "delivery_method": "EMAIL",
                "recipient": Recipient(first_name="A", last_name="B", email=f"a{n}@example.com"),
            }
            for n in range(250)
        ],
    )
    assert accepted.failed_line_items == ()

    first = tango.get_async_order_page(**where)
    assert len(first.line_items) == 100 and first.next_cursor
    second = tango.get_async_order_page(**where, cursor=first.next_cursor)
    assert len(second.line_items) == 100 and second.next_cursor
    assert not {li.external_ref_line_item_id for li in first.line_items} & {
        li.external_ref_line_item_id for li in second.line_items
    }

    detail = tango.get_async_order(**where)
    assert detail.next_cursor is None
    assert [li.external_ref_line_item_id for li in detail.line_items] == [
        f"{ref}-{n}" for n in range(250)
    ]
    assert all(li.reference_line_item_id for li in detail.line_items)
    # A bigger page (at most 500) reads the same lines in one call.
    assert tango.get_async_order(**where, max_results=500).line_items == detail.line_items


def test_line_item_reason_codes_are_the_ones_the_actions_accept(tango):
    codes = tango.get_line_item_reason_codes()
    assert {"cancel", "freeze", "unfreeze", "cancel_and_reissue"} <= codes.keys()
    assert codes["cancel"]["DUPLICATE"] and "OTHER" in codes["freeze"]
    # The FakeTango default is the simulator's table, so tests offer what Tango offers.
    from tango.client import parse_reason_codes
    from tango.testing.reasons import DEFAULT_REASON_CODES

    fake = parse_reason_codes(DEFAULT_REASON_CODES)
    assert {action: set(table) for action, table in fake.items()} == {
        action: set(table) for action, table in codes.items()
    }
