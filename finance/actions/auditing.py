"""The finance audit vocabulary and the one call that writes it."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.services import record_action

EXPORT_CSV = "export.csv"
EXPORT_XLSX = "export.xlsx"
EXPORT_JOB = "export.job"
EXPORT_DOWNLOAD = "export.download"
PERIOD_CLOSE = "period.close"


def audit(
    *,
    user: Any,
    ip: str | None,
    action: str,
    obj: models.Model | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    record_action(
        acting_user=user, action=action, obj=obj, after=after, reason=reason, ip_address=ip
    )
