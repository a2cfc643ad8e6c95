"""The balances page: each account's balance, spend, committed funds, runway and check;
refresh from Tango now (POST) and each account's low-balance threshold (POST, audited)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.access import perm_blocker, staff_view
from core.actor import Actor
from core.errors import ActionNotAllowed
from finance.actions.balances import refresh_balances, set_threshold
from finance.balances import account_balances
from finance.context_processors import CACHE_KEY
from finance.models import BalanceReading
from orders.models import Account
from tango.errors import TangoError

VIEW = "orders.view_account"
EDIT_THRESHOLD = "finance.change_balancethreshold"


@require_GET
@staff_view(VIEW)
def balances(request: HttpRequest) -> HttpResponse:
    context = {
        "rows": account_balances(),
        "flagged": BalanceReading.objects.filter(flagged=True).select_related("account")[:20],
        "threshold_blocker": perm_blocker(request.user, EDIT_THRESHOLD),
    }
    return render(request, "finance/balances.html", context)


@require_POST
@staff_view(VIEW)
def refresh(request: HttpRequest) -> HttpResponse:
    try:
        report = refresh_balances(actor=Actor.from_request(request))
    except TangoError as exc:
        messages.error(request, f"Tango could not be read: {exc}")
        return redirect("finance:balances")
    cache.delete(CACHE_KEY)
    flagged = report.flagged
    if flagged:
        names = ", ".join(r.account.identifier for r in flagged)
        messages.warning(request, f"Balance check flagged: {names}.")
    messages.success(request, f"Read {len(report.readings)} balance(s) from Tango.")
    return redirect("finance:balances")


@require_POST
@staff_view(VIEW, EDIT_THRESHOLD)
def threshold(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    raw = request.POST.get("amount", "").strip().replace(",", "")
    try:
        amount = Decimal(raw).quantize(Decimal("0.01")) if raw else None
        if amount is not None and not amount.is_finite():
            raise InvalidOperation
        set_threshold(account=account, amount=amount, actor=Actor.from_request(request))
    except (InvalidOperation, ValueError):
        messages.error(request, f"“{raw}” is not an amount.")
        return redirect("finance:balances")
    except ActionNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("finance:balances")
    cache.delete(CACHE_KEY)
    if amount is None:
        messages.success(request, f"Threshold removed for {account.identifier}.")
    else:
        messages.success(request, f"Threshold for {account.identifier} set to {amount:,.2f}.")
    return redirect("finance:balances")
