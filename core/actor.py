"""Who acts, from where and by what path: the one type every action takes as `actor`.

A view builds it from the request (`Actor.from_request`): the staff user and their IP, path
"console". Code that runs without a request says what it is: `Actor.system(ActorPath.SYNC)`
for a sync pass, `Actor.system(ActorPath.WORKER)` for placement, and
`Actor.for_user(user, path=ActorPath.WORKER)` when a worker acts for a person (a resend
requested by staff, a bulk job they started). The timeline records the path as its source and
the person as its actor; the audit log records the person and the IP (a system actor has no
audit row: the timeline says what the system did).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from core.access import client_ip

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest


class ActorPath(enum.StrEnum):
    """By what path an action arrives."""

    CONSOLE = "console"  # a person at the staff console (or the Django admin)
    WORKER = "worker"  # a Celery task: placement, a queued resend, a bulk job
    SYNC = "sync"  # a sync pass or "Refresh from Tango" reading Tango's state
    WEBHOOK = "webhook"  # a Tango webhook being applied
    IMPORT = "import"  # a file of orders (CSV upload); no writer uses it yet
    COMMAND = "command"  # a management command (seed_demo, the chaos bench)
    SYSTEM = "system"  # housekeeping on its own (the sweeper, the stuck-order flag)


@dataclass(frozen=True)
class Actor:
    user: AbstractBaseUser | AnonymousUser | None = None
    ip: str | None = None
    path: ActorPath = ActorPath.SYSTEM

    @classmethod
    def system(cls, path: ActorPath = ActorPath.SYSTEM) -> Actor:
        """No person: the machinery itself, arriving by `path`."""
        return cls(user=None, ip=None, path=path)

    @classmethod
    def for_user(
        cls,
        user: AbstractBaseUser | AnonymousUser | None,
        *,
        ip: str | None = None,
        path: ActorPath = ActorPath.CONSOLE,
    ) -> Actor:
        return cls(user=user, ip=ip, path=path)

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        """The request's user and IP (REMOTE_ADDR, see core.access.client_ip), at the console."""
        return cls.for_user(request.user, ip=client_ip(request), path=ActorPath.CONSOLE)

    @property
    def user_or_none(self) -> AbstractBaseUser | None:
        """The person to record (None for the system or an anonymous caller)."""
        user = self.user
        return user if user is not None and user.is_authenticated else None  # type: ignore[return-value]

    @property
    def is_person(self) -> bool:
        return self.user_or_none is not None

    def via(self, path: ActorPath) -> Actor:
        """The same person and IP, arriving by another path (a staff refresh applies what
        Tango said through the sync: the timeline rows say "sync", the actor stays the person)."""
        return replace(self, path=path)
