"""The approval policy: the current version and its history; admins save a new version."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from approvals.actions.policies import LIMIT_FIELDS, format_limits, save_policy
from approvals.forms import PolicyForm
from approvals.models import ApprovalPolicy
from core.access import needed_role_text, staff_view
from core.actor import Actor
from core.errors import ValidationFailed

CHANGE = "approvals.change_policy"


def _initial(policy: ApprovalPolicy | None) -> dict:
    if policy is None:
        return {}
    values = {name: format_limits(getattr(policy, name)) for name in LIMIT_FIELDS}
    return {**values, "accounts": ", ".join(policy.accounts), "utids": ", ".join(policy.utids)}


@require_http_methods(["GET", "POST"])
@staff_view("approvals.view_approvalpolicy")
def policy(request: HttpRequest) -> HttpResponse:
    versions = list(ApprovalPolicy.objects.select_related("created_by")[:50])
    current = versions[0] if versions else None
    may_change = request.user.has_perm(CHANGE)
    form = PolicyForm(request.POST or None, initial=_initial(current))
    status = 200
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied(needed_role_text(CHANGE))
        if form.is_valid():
            try:
                saved = save_policy(actor=Actor.from_request(request), **form.cleaned_data)
            except ValidationFailed as failed:
                for field, errors in failed.problems.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, f"Saved as version {saved.version}.")
                return redirect("approvals:policy")
        status = 422
    context = {"current": current, "versions": versions, "form": form, "may_change": may_change}
    return render(request, "approvals/policy.html", context, status=status)
