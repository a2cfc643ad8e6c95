"""Balances: read them from Tango (button or beat), check each change, thresholds, alerts.

Each read stores a BalanceReading checked against the previous one (finance/balances.py has
the terms). A Transaction webhook can arrive after the read that saw its money, so the
recent flagged readings are checked again on every read: funding that has arrived since
clears them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.errors import ActionNotAllowed
from finance.balances import charges_between, funding_between, refunds_between
from finance.models import BalanceReading, BalanceThreshold
from orders.models import Account
from tango.client import get_client

logger = logging.getLogger(__name__)

RECHECK_FOR = timedelta(days=1)
ALERT_EVERY = timedelta(days=1)


# A balance off by more than a cent is flagged.
TOLERANCE = Decimal("0.01")


def _check(reading: BalanceReading) -> None:
    """Fill the reading's terms from what we know now (does not save)."""
    if reading.previous_balance is None or reading.previous_read_at is None:
        return
    since, until = reading.previous_read_at, reading.read_at
    reading.charges = charges_between(reading.account, since, until)
    reading.refunds = refunds_between(reading.account, since, until)
    reading.funding = funding_between(reading.account, since, until)
    reading.expected = reading.previous_balance - reading.charges + reading.refunds
    reading.expected += reading.funding
    reading.difference = reading.balance - reading.expected
    reading.flagged = abs(reading.difference) > TOLERANCE


TERMS = ["charges", "refunds", "funding", "expected", "difference", "flagged"]


def record_reading(*, account: Account, balance: Decimal, read_at: datetime) -> BalanceReading:
    previous = account.balance_readings.filter(read_at__lte=read_at).first()
    reading = BalanceReading(
        account=account,
        balance=balance,
        read_at=read_at,
        previous_balance=previous.balance if previous else None,
        previous_read_at=previous.read_at if previous else None,
    )
    _check(reading)
    reading.save()
    if reading.flagged:
        logger.warning(
            "balance check: account %s is %s, expected %s (off by %s)",
            account.identifier,
            reading.balance,
            reading.expected,
            reading.difference,
        )
    for old in account.balance_readings.filter(
        flagged=True, read_at__gte=read_at - RECHECK_FOR
    ).exclude(pk=reading.pk):
        _check(old)
        old.save(update_fields=TERMS)
    return reading


@dataclass
class RefreshReport:
    readings: list[BalanceReading] = field(default_factory=list)

    @property
    def flagged(self) -> list[BalanceReading]:
        return [r for r in self.readings if r.flagged]

    def as_dict(self) -> dict[str, int]:
        return {"accounts": len(self.readings), "flagged": len(self.flagged)}


def refresh_balances(*, actor: Actor | None = None) -> RefreshReport:
    """GET /accounts now; store each balance and its check (audited when a person asked)."""
    accounts = {a.account_identifier: a for a in get_client().list_accounts()}
    now = timezone.now()
    report = RefreshReport()
    with transaction.atomic():
        for account in Account.objects.filter(identifier__in=accounts).select_for_update():
            tango = accounts[account.identifier]
            if tango.current_balance is None:
                continue
            balance = tango.current_balance.quantize(Decimal("0.01"))
            Account.objects.filter(pk=account.pk).update(
                current_balance=balance, balance_synced_at=now
            )
            account.current_balance, account.balance_synced_at = balance, now
            report.readings.append(record_reading(account=account, balance=balance, read_at=now))
        if actor is not None:
            record(
                actor=actor,
                action=AuditAction.BALANCE_REFRESH,
                after={
                    r.account.identifier: {"balance": str(r.balance), "flagged": r.flagged}
                    for r in report.readings
                },
            )
    return report


def set_threshold(*, account: Account, amount: Decimal | None, actor: Actor) -> None:
    """Set (or with None, remove) the account's low-balance threshold; audited."""
    if amount is not None and amount < 0:
        raise ActionNotAllowed("A threshold cannot be negative.")
    with transaction.atomic():
        current = BalanceThreshold.objects.select_for_update().filter(account=account).first()
        before = {"amount": str(current.amount)} if current else {}
        if amount is None:
            if current:
                current.delete()
        else:
            BalanceThreshold.objects.update_or_create(
                account=account, defaults={"amount": amount, "updated_by": actor.user_or_none}
            )
        record(
            actor=actor,
            action=AuditAction.BALANCE_THRESHOLD,
            obj=account,
            before=before,
            after={"amount": str(amount)} if amount is not None else {},
        )


def alert_low_balances(*, now: datetime | None = None) -> int:
    """Email BALANCE_ALERT_EMAILS about each account under its threshold, once a day each."""
    now = now or timezone.now()
    recipients = list(getattr(settings, "BALANCE_ALERT_EMAILS", []) or [])
    sent = 0
    for threshold in BalanceThreshold.objects.select_related("account"):
        account = threshold.account
        if not recipients or account.current_balance >= threshold.amount:
            continue
        with transaction.atomic():
            claimed = (
                BalanceThreshold.objects.filter(pk=threshold.pk)
                .exclude(alerted_at__gt=now - ALERT_EVERY)
                .update(alerted_at=now)
            )
        if not claimed:
            continue
        send_mail(
            f"Low balance: {account.identifier}",
            f"Account {account.identifier} ({account.display_name}) has "
            f"{account.current_balance:,.2f} {account.currency}, under its threshold of "
            f"{threshold.amount:,.2f} {account.currency}. Fund it before orders fail.",
            None,
            recipients,
        )
        sent += 1
    return sent


def check_balances() -> dict[str, int]:
    """The beat task's body: read, check, alert."""
    report = refresh_balances()
    return {**report.as_dict(), "alerts": alert_low_balances()}
