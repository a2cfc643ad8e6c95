"""Account balance movements: debits, refunds and the LowBalance / Transaction webhooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import get_account
from .store import money

if TYPE_CHECKING:
    from .app import Simulator


def debit(sim: Simulator, account_id: str, cents: int, at_us: int) -> None:
    store = sim.store
    account = get_account(store, account_id)
    assert account is not None
    before = account["balance_cents"]
    after = before - cents
    store.update("accounts", account_id, balance_cents=after)
    threshold = account["low_balance_cents"]
    if threshold > 0 and before >= threshold > after:
        sim.webhooks.emit(
            "LowBalance",
            {
                "accountIdentifier": account_id,
                "balance": money(after),
                "balanceThreshold": money(threshold),
                "balanceAlertIdentifier": f"alert-{account_id}",
            },
            at_us,
        )


def credit(sim: Simulator, account_id: str, cents: int) -> None:
    sim.store.execute(
        "UPDATE accounts SET balance_cents = balance_cents + ? WHERE identifier = ?",
        (cents, account_id),
    )


def refund_line(sim: Simulator, line: dict[str, Any], cents: int | None = None) -> int:
    """Refund what is still charged for the line (or ``cents``); returns the amount."""
    outstanding = line["total_cents"] - line["refunded_cents"]
    amount = outstanding if cents is None else min(cents, outstanding)
    if amount <= 0:
        return 0
    credit(sim, line["account"], amount)
    line["refunded_cents"] += amount
    return amount


def recharge_line(sim: Simulator, line: dict[str, Any], at_us: int) -> None:
    """Undo a refund when an admin transition moves a refunded line back to a live status."""
    if line["refunded_cents"] > 0:
        debit(sim, line["account"], line["refunded_cents"], at_us)
        line["refunded_cents"] = 0


def fund(sim: Simulator, account_id: str, cents: int, at_us: int) -> None:
    account = get_account(sim.store, account_id)
    assert account is not None
    credit(sim, account_id, cents)
    transaction_id = sim.store.next_counter("transaction", 5001)
    sim.webhooks.emit(
        "Transaction",
        {
            "customerIdentifier": account["customer"],
            "accountIdentifier": account_id,
            "transactionType": "DEPOSIT",
            "transactionId": f"T{transaction_id}",
            "fundingMethod": "ACH",
            "fundingType": "DEPOSIT",
            "transferToAccountIdentifier": None,
            "transferFromAccountIdentifier": None,
            "invoiceNumber": None,
            "currency": account["currency"],
            "amount": money(cents),
            "note": "simulator funding",
        },
        at_us,
    )
