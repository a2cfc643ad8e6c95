"""Tango's vocabularies exist in the models with Tango's exact strings (TANGO_API.md §9.1-9.4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orders import statuses
from orders.models import LineItem, Order

pytestmark = pytest.mark.smoke

EXPECTED = {
    statuses.OrderStatus: "PENDING QUEUED PENDING_MR ON_HOLD CANCELLED COMPLETE FAILED PARTIAL "
    "DELETED PENDING_KYB PENDING_PAYMENT",
    statuses.LineItemStatus: "COMPLETE PENDING FAILED DELETED CANCELLED RETURNED",
    statuses.DeliveryMethod: "NONE EMAIL PHONE ADDRESS EMBEDDED BULKSHIPMENT QRCODE BULKDIGITAL "
    "EMBEDDED_COMPONENT WHATSAPP",
    statuses.EmailStatus: "DELIVERED NOT_DELIVERED PENDING SENT DEFERRED DROPPED BOUNCE BLOCKED",
    statuses.DeliveryStatus: "PENDING PROCESSING DISPATCHED DELIVERED FAILED ENGAGED",
    statuses.PhysicalDeliveryEvent: "IN_PROGRESS SHIPPED COMPLETED CANCELED FAILED",
    statuses.RewardEvent: "FROZEN UNFROZEN CANCELLED ACTIVATED PARTIAL_REDEMPTION FULL-REDEMPTION",
}


@pytest.mark.parametrize("enum", list(EXPECTED), ids=lambda e: e.__name__)
def test_enum_has_exactly_tangos_values(enum):
    assert set(enum.values) == set(EXPECTED[enum].split())


def test_model_fields_use_the_enums():
    assert Order._meta.get_field("tango_status").choices == statuses.OrderStatus.choices
    field_enums = {
        "status": statuses.LineItemStatus,
        "delivery_method": statuses.DeliveryMethod,
        "email_status": statuses.EmailStatus,
        "delivery_status": statuses.DeliveryStatus,
        "reward_status": statuses.RewardStatus,
    }
    for name, enum in field_enums.items():
        assert LineItem._meta.get_field(name).choices == enum.choices, name


def test_every_order_status_has_the_seed_description_and_a_next_step():
    for value in statuses.OrderStatus.values:
        assert statuses.ORDER_STATUS_DESCRIPTIONS[value]
        assert statuses.ORDER_STATUS_NEXT_STEPS[value]
    assert "within one (1) business day" in statuses.ORDER_STATUS_DESCRIPTIONS["PENDING"]
    assert "manual review" in statuses.ORDER_STATUS_DESCRIPTIONS["PENDING_MR"]


def test_webhook_vocabularies_map_onto_stored_fields():
    assert set(statuses.PHYSICAL_EVENT_TO_DELIVERY_STATUS) == set(
        statuses.PhysicalDeliveryEvent.values
    )
    assert set(statuses.PHYSICAL_EVENT_TO_DELIVERY_STATUS.values()) <= set(
        statuses.DeliveryStatus.values
    )
    assert set(statuses.REWARD_EVENT_TO_REWARD_STATUS) == set(statuses.RewardEvent.values)


def test_placement_transitions():
    P = statuses.PlacementState
    assert statuses.can_transition(P.QUEUED, P.PLACING)
    assert statuses.can_transition(P.PLACING, P.HELD)  # Tango's 402 holds the order
    assert statuses.can_transition(P.HELD, P.QUEUED)  # release
    # Adopted by the sync: Tango has the order under our externalRefID.
    assert statuses.can_transition(P.HELD, P.PLACED)
    assert statuses.can_transition(P.PLACEMENT_FAILED, P.PLACED)
    assert statuses.can_transition(P.QUEUED, P.PLACED)
    assert not statuses.can_transition(P.WITHDRAWN, P.PLACED)
    assert not statuses.can_transition(P.PLACED, P.QUEUED)  # never placed twice
    assert not statuses.can_transition(P.REJECTED, P.QUEUED)
    assert set(statuses.PLACEMENT_TRANSITIONS) == set(P.values)


def _doc_enum(text: str, heading: str) -> set[str]:
    section = text.split(heading, 1)[1].split("\n### ", 1)[0]
    return set(re.findall(r"^\| `([A-Z_-]+)` \|", section, flags=re.MULTILINE))


def test_enums_match_the_researched_api_document_when_present():
    doc = Path(__file__).resolve().parents[3] / "shared" / "TANGO_API.md"
    if not doc.exists():
        pytest.skip("shared/TANGO_API.md is not beside this checkout")
    text = doc.read_text()
    assert _doc_enum(text, "### 9.1 Order status") == set(statuses.OrderStatus.values)
    assert _doc_enum(text, "### 9.2 Line-item status") == set(statuses.LineItemStatus.values)
    assert _doc_enum(text, "### 9.3 Delivery method") == set(statuses.DeliveryMethod.values)
    email = text.split("### 9.4 Email status", 1)[1].split("\n", 2)[1]
    assert set(re.findall(r"[A-Z_]{4,}", email.split("(")[0])) == set(statuses.EmailStatus.values)


def test_the_transition_table_derived_from_the_named_transitions_is_todays():
    P = statuses.PlacementState
    assert {
        P.DRAFT: {P.AWAITING_APPROVAL, P.QUEUED, P.HELD, P.WITHDRAWN},
        P.AWAITING_APPROVAL: {P.QUEUED, P.REJECTED, P.WITHDRAWN},
        P.REJECTED: set(),
        P.HELD: {P.QUEUED, P.WITHDRAWN, P.PLACED},
        P.QUEUED: {P.PLACING, P.HELD, P.PLACED, P.PLACEMENT_FAILED},
        P.PLACING: {P.PLACED, P.PLACEMENT_FAILED, P.HELD, P.QUEUED},
        P.PLACED: set(),
        P.PLACEMENT_FAILED: {P.QUEUED, P.WITHDRAWN, P.PLACED},
        P.WITHDRAWN: set(),
    } == statuses.PLACEMENT_TRANSITIONS
    assert set(statuses.TRANSITIONS) == {
        "submit",
        "send_to_approval",
        "approve",
        "reject",
        "hold",
        "release",
        "claim",
        "requeue",
        "hold_for_funds",
        "fail",
        "mark_placed",
        "adopt",
        "withdraw",
    }
    assert statuses.transition("hold") is statuses.HOLD


def test_state_sets_are_the_sources_of_their_transitions():
    P = statuses.PlacementState
    assert {P.DRAFT, P.QUEUED} == statuses.HOLDABLE
    assert {P.HELD, P.PLACEMENT_FAILED} == statuses.RELEASABLE
    assert {P.PLACING, P.QUEUED, P.HELD, P.PLACEMENT_FAILED} == statuses.ANSWER_ADOPTED_FROM
    assert {P.QUEUED, P.HELD, P.PLACEMENT_FAILED} == statuses.ADOPTABLE


@pytest.mark.parametrize(
    ("stored", "read", "goes_back"),
    [
        ("COMPLETE", "PENDING", True),
        ("FAILED", "QUEUED", True),
        ("COMPLETE", "CANCELLED", False),  # final -> final applies
        ("PENDING", "COMPLETE", False),
        ("COMPLETE", None, False),  # Tango said nothing
    ],
)
def test_order_statuses_never_go_back(stored, read, goes_back):
    assert statuses.order_status_goes_back(stored, read) is goes_back


@pytest.mark.parametrize(
    ("stored", "read", "goes_back"),
    [
        ("COMPLETE", "PENDING", True),
        ("FAILED", "", True),
        ("COMPLETE", "CANCELLED", False),
        ("PENDING", "COMPLETE", False),
        ("", "PENDING", False),
        ("COMPLETE", None, False),
    ],
)
def test_line_item_statuses_never_go_back(stored, read, goes_back):
    assert statuses.line_item_status_goes_back(stored, read) is goes_back
