"""The balances demo (`seed_demo`): balances read from the simulator (the balance check's
first readings), a threshold on every active USD account, and acme-usd-02 under its
threshold, so the page shows a runway, a low-balance badge and the console banner."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.contrib.auth import get_user_model

from core.actor import Actor, ActorPath
from finance.actions.balances import refresh_balances, set_threshold
from finance.models import BalanceThreshold
from orders.models import Account
from tango.errors import TangoError

logger = logging.getLogger(__name__)

THRESHOLDS = {"acme-usd-01": "5000.00", "acme-usd-02": "1000.00", "globex-usd-01": "2000.00"}


def seed_balances_demo() -> int:
    """Returns how many thresholds were set (none when some exist already)."""
    try:
        refresh_balances()
    except TangoError as exc:  # the simulator is not running: thresholds only
        logger.warning("balances demo: Tango not reachable (%s)", exc)
    if BalanceThreshold.objects.exists():
        return 0
    finance = get_user_model().objects.filter(username="finance").first()
    actor = Actor.for_user(finance, path=ActorPath.COMMAND) if finance else Actor.system()
    done = 0
    for identifier, amount in THRESHOLDS.items():
        account = Account.objects.filter(identifier=identifier).first()
        if account is not None:
            set_threshold(account=account, amount=Decimal(amount), actor=actor)
            done += 1
    return done
