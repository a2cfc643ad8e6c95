"""Staff tools' records: saved list views and background bulk jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from orders.querysets import SearchTokenQuerySet


class SavedView(models.Model):
    """A named orders-list filter shared with the team (e.g. "Failed line items, last 24 h")."""

    name = models.CharField(max_length=100, unique=True)
    query_string = models.CharField(max_length=2000)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BulkJob(models.Model):
    """A background bulk action (resend, release) over selected or filtered orders."""

    class Action(models.TextChoices):
        RESEND = "resend", "Resend rewards"
        RELEASE = "release", "Release held orders"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    action = models.CharField(max_length=10, choices=Action.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    order_ids = models.JSONField(default=list)
    reason = models.CharField(max_length=500, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    results = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} x{self.total} ({self.status})"


class SearchToken(models.Model):
    """A search by email or phone, kept server-side: the list's URL carries only `?qt=<token>`,
    so the address never reaches a URL, the browser's history, a Referer or an access log. A
    token is its user's alone and lives a working day (orders.actions.search_tokens)."""

    token = models.CharField(max_length=43, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SearchTokenQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="search_token_user")]

    def __str__(self) -> str:
        return f"search token of user {self.user_id}"  # never the text: contact data
