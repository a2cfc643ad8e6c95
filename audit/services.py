"""Writing audit rows. Call inside the same transaction as the change being audited."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.models import AuditEntry


def record_action(
    *,
    acting_user: Any,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    ip_address: str | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before or {},
        after=after or {},
        reason=reason,
        ip_address=ip_address,
    )
