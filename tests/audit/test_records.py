"""audit.records.record: one row per person's action, the IP from the actor."""

from __future__ import annotations

import pytest

from audit.models import AuditAction, AuditEntry
from audit.records import record
from core.actor import Actor, ActorPath

pytestmark = pytest.mark.django_db


def test_a_person_gets_a_row_with_the_actors_ip(make_user):
    user = make_user("Manager")
    entry = record(
        actor=Actor.for_user(user, ip="10.1.1.1"),
        action=AuditAction.ORDER_NOTE,
        obj=user,
        after={"note": "hi"},
        reason="why",
    )
    assert entry is not None
    stored = AuditEntry.objects.get()
    assert (stored.actor, stored.ip_address, stored.action, stored.after, stored.reason) == (
        user,
        "10.1.1.1",
        "order.note",
        {"note": "hi"},
        "why",
    )
    assert (stored.object_type, stored.object_id) == ("auth.User", str(user.pk))


def test_the_system_is_not_audited():
    assert record(actor=Actor.system(ActorPath.SYNC), action=AuditAction.ORDER_REFRESH) is None
    assert not AuditEntry.objects.exists()


def test_the_vocabulary_refuses_a_free_string(make_user):
    with pytest.raises(ValueError):
        record(actor=Actor.for_user(make_user("Admin")), action="order.teleport")  # type: ignore[arg-type]
    assert not AuditEntry.objects.exists()
