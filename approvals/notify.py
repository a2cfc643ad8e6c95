"""The approval emails (Django's email backend: the console backend under `make run`).

Who is told what: the order's creator when it is approved, rejected or withdrawn (expired);
the people who may decide a request when it has waited longer than
APPROVAL_REMIND_AFTER_HOURS (once per request). No recipient contact data goes in a mail,
only the order's externalRefID, amount, rule and a link path to its page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

from approvals.actions.checker import DECIDE_PERMISSION, checker_blocker
from approvals.models import ApprovalRequest

SUBJECTS = {
    ApprovalRequest.Status.APPROVED: "Approved: order {ref}",
    ApprovalRequest.Status.REJECTED: "Rejected: order {ref}",
    ApprovalRequest.Status.EXPIRED: "Withdrawn (approval expired): order {ref}",
}


def _summary(request: ApprovalRequest) -> str:
    order = request.order
    return (
        f"Order {order.external_ref_id}: {order.amount:,.2f} {order.currency} on account "
        f"{order.account.identifier}.\nWhy it needed approval: {request.reason}.\n"
        f"Order page: {reverse('orders:detail', args=[order.pk])}\n"
    )


def tell_creator(request: ApprovalRequest) -> int:
    """Mail the order's creator the decision (0 when there is no one with an address)."""
    creator = request.order.created_by
    subject = SUBJECTS.get(request.status)
    if creator is None or not creator.email or subject is None:
        return 0
    body = _summary(request) + f"\nDecision: {request.get_status_display()}"
    if request.decided_by is not None:
        body += f" by {request.decided_by.get_username()}"
    if request.decision_reason:
        body += f"\nReason: {request.decision_reason}"
    return send_mail(
        subject.format(ref=request.order.external_ref_id),
        body + "\n",
        settings.DEFAULT_FROM_EMAIL,
        [creator.email],
    )


def approvers_for(request: ApprovalRequest) -> list[Any]:
    """Active staff who may decide `request` (the permission, and not one of its makers)."""
    app_label, codename = DECIDE_PERMISSION.split(".")
    perm = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    people = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__permissions=perm) | Q(user_permissions=perm))
        .exclude(email="")
        .distinct()
    )
    return [person for person in people if checker_blocker(request, person) is None]


def remind_approvers(request: ApprovalRequest) -> int:
    """Mail every possible approver that `request` is still waiting; how many were mailed."""
    emails = [person.email for person in approvers_for(request)]
    if not emails:
        return 0
    hours = settings.APPROVAL_REMIND_AFTER_HOURS
    send_mail(
        f"Waiting for approval over {hours:g} h: order {request.order.external_ref_id}",
        _summary(request) + f"\nIt expires at {request.expires_at:%Y-%m-%d %H:%M %Z}.\n",
        settings.DEFAULT_FROM_EMAIL,
        emails,
    )
    return len(emails)
