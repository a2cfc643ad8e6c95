"""Saving the approval policy: every save is a new version (the old ones stay, and requests
keep the version they were evaluated under), validated first, audited with before/after."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Max

from approvals.models import ApprovalPolicy
from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.errors import ActionNotAllowed, Problems

LIMIT_FIELDS = ("per_order_limits", "dual_approval_limits", "daily_creator_limits", "batch_limits")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def parse_limits(text: str, problems: Problems, field: str) -> dict[str, str]:
    """'USD 500, EUR 400.50' (commas or new lines) -> {"USD": "500.00", "EUR": "400.50"}."""
    limits: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,\n;]+", text or ""))):
        bits = part.split()
        if len(bits) != 2 or not _CURRENCY.match(bits[0].upper()):
            problems.add(field, f"{part!r}: write a currency code and an amount, e.g. USD 500.")
            continue
        currency, raw = bits[0].upper(), bits[1].replace(",", "")
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            problems.add(field, f"{part!r}: {raw!r} is not an amount.")
            continue
        if not amount.is_finite() or amount < 0:
            problems.add(field, f"{part!r}: the limit must be zero or more.")
        elif currency in limits:
            problems.add(field, f"{currency} is given twice.")
        else:
            limits[currency] = str(amount.quantize(Decimal("0.01")))
    return limits


def format_limits(limits: dict[str, str]) -> str:
    return ", ".join(f"{currency} {amount}" for currency, amount in sorted(limits.items()))


def parse_names(text: str) -> list[str]:
    return sorted({p for p in re.split(r"[\s,;]+", text or "") if p})


def save_policy(
    *,
    actor: Actor,
    per_order_limits: str = "",
    dual_approval_limits: str = "",
    daily_creator_limits: str = "",
    batch_limits: str = "",
    accounts: str = "",
    utids: str = "",
    note: str = "",
) -> ApprovalPolicy:
    """Validate and save the policy as the next version. Raises ValidationFailed (every
    problem, by field) and writes nothing when something is wrong."""
    problems = Problems()
    entered = {"per_order_limits": per_order_limits, "dual_approval_limits": dual_approval_limits}
    entered |= {"daily_creator_limits": daily_creator_limits, "batch_limits": batch_limits}
    limits = {name: parse_limits(text, problems, name) for name, text in entered.items()}
    for currency, dual in limits["dual_approval_limits"].items():
        single = limits["per_order_limits"].get(currency)
        if single is not None and Decimal(dual) <= Decimal(single):
            problems.add(
                "dual_approval_limits",
                f"The {currency} dual-approval limit must be above the per-order limit "
                f"({single}): it is the higher threshold.",
            )
    if not note.strip():
        problems.add("note", "Say why the policy changes (kept with this version).")
    problems.raise_if_any()
    fields = {
        **limits,
        "accounts": parse_names(accounts),
        "utids": [u.upper() for u in parse_names(utids)],
        "note": note.strip()[:500],
    }
    for _attempt in range(3):  # two admins saving at once: the unique version decides
        try:
            with transaction.atomic():
                return _save(actor, fields)
        except IntegrityError:
            continue
    raise ActionNotAllowed("Someone else saved the policy at the same moment; save again.")


def _save(actor: Actor, fields: dict) -> ApprovalPolicy:
    before = ApprovalPolicy.objects.order_by("-version").first()
    version = (ApprovalPolicy.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    policy = ApprovalPolicy.objects.create(version=version, created_by=actor.user_or_none, **fields)
    record(
        actor=actor,
        action=AuditAction.APPROVAL_POLICY_CHANGE,
        obj=policy,
        before=_snapshot(before) if before else {},
        after=_snapshot(policy),
        reason=policy.note,
    )
    return policy


def _snapshot(policy: ApprovalPolicy) -> dict:
    keys: Iterable[str] = (*LIMIT_FIELDS, "accounts", "utids")
    return {"version": policy.version, **{key: getattr(policy, key) for key in keys}}
