"""Entry's background work: resolving a reissue whose answer from Tango was lost.

Thin: load, call the action, retry while Tango has not said. `acks_late` + the action's own
checks make a redelivered message harmless (it never posts the reissue again).
"""

from __future__ import annotations

from celery import shared_task
from celery.app.task import Task
from django.contrib.auth import get_user_model

from core.actor import Actor, ActorPath
from entry.actions.reissue_approval import place_approved_reissue
from entry.actions.reissue_mirror import resolve_lost_reissue

MAX_CHECKS = 10
CHECK_EVERY_SECONDS = 30.0


@shared_task(
    name="entry.tasks.resolve_reissue_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_CHECKS,
)
def resolve_reissue_task(self: Task, *, line_item_id: int, actor_id: int | None = None) -> str:
    user = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    actor = Actor.for_user(user, path=ActorPath.WORKER) if user else Actor.system(ActorPath.WORKER)
    outcome = resolve_lost_reissue(
        line_item_id=line_item_id, actor=actor, give_up=self.request.retries >= MAX_CHECKS
    )
    if outcome == "waiting":
        raise self.retry(countdown=CHECK_EVERY_SECONDS)
    return outcome


@shared_task(name="entry.tasks.place_reissue_task", acks_late=True, reject_on_worker_lost=True)
def place_reissue_task(*, order_id: int) -> str:
    """An approved reissue: claimed once, posted once (a redelivery loses the claim)."""
    return place_approved_reissue(order_id=order_id)
