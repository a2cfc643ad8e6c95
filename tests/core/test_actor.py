"""Actor (core/actor.py): who acts, from where, by what path."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from core.actor import Actor, ActorPath

pytestmark = pytest.mark.smoke


def test_from_request_is_the_user_and_ip_at_the_console(rf, make_user):
    user = make_user("Support")
    request = rf.post("/", REMOTE_ADDR="10.9.8.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    request.user = user
    actor = Actor.from_request(request)
    assert (actor.user, actor.ip, actor.path) == (user, "10.9.8.7", ActorPath.CONSOLE)
    assert actor.is_person and actor.user_or_none == user


def test_a_system_actor_is_nobody():
    actor = Actor.system(ActorPath.SYNC)
    assert (actor.user_or_none, actor.ip, actor.path, actor.is_person) == (
        None,
        None,
        ActorPath.SYNC,
        False,
    )
    assert Actor.system().path == ActorPath.SYSTEM


def test_an_anonymous_user_is_not_a_person():
    actor = Actor.for_user(AnonymousUser(), ip="10.0.0.1")
    assert actor.user_or_none is None and not actor.is_person


def test_a_worker_acting_for_a_person_keeps_the_person(make_user):
    user = make_user("Manager")
    actor = Actor.for_user(user, path=ActorPath.WORKER)
    assert actor.is_person and actor.path == ActorPath.WORKER
    via = Actor.for_user(user, ip="10.0.0.2").via(ActorPath.SYNC)
    assert (via.user, via.ip, via.path) == (user, "10.0.0.2", ActorPath.SYNC)
