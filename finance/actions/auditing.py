"""Finance's audit rows: one call, with the actions' names from audit's vocabulary."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor

EXPORT_CSV = AuditAction.EXPORT_CSV
EXPORT_XLSX = AuditAction.EXPORT_XLSX
EXPORT_JOB = AuditAction.EXPORT_JOB
EXPORT_DOWNLOAD = AuditAction.EXPORT_DOWNLOAD
PERIOD_CLOSE = AuditAction.PERIOD_CLOSE


def audit(
    *,
    actor: Actor,
    action: AuditAction,
    obj: models.Model | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    record(actor=actor, action=action, obj=obj, after=after, reason=reason)
