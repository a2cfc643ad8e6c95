"""Writing audit rows: `record()`, called inside the same transaction as the change it audits.

The row says who (the actor's user), from where (the actor's IP), what (an AuditAction), on
which object, before/after and why. Only people are audited: a system actor (a sync pass, the
sweeper, a worker acting for nobody) gets no row, and the timeline says what it did.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.models import AuditAction, AuditEntry
from core.actor import Actor


def record(
    *,
    actor: Actor,
    action: AuditAction,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry | None:
    user = actor.user_or_none
    if user is None:
        return None
    return AuditEntry.objects.create(
        actor=user,
        action=AuditAction(action),
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before or {},
        after=after or {},
        reason=reason,
        ip_address=actor.ip,
    )
