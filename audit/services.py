"""Transitional: the old keyword API over audit.records.record (removed with its last caller)."""

from __future__ import annotations

from typing import Any

from audit.models import AuditAction, AuditEntry
from audit.records import record
from core.actor import Actor


def record_action(*, acting_user: Any, action: str, ip_address: str | None = None, **row: Any):
    entry: AuditEntry | None = record(
        actor=Actor.for_user(acting_user, ip=ip_address), action=AuditAction(action), **row
    )
    return entry
