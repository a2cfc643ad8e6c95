"""Staff users in the admin: nobody grants what they do not hold themselves.

The Admin role manages staff accounts (auth.view/add/change_user) without being superuser.
Django's stock UserAdmin lets whoever may change users set `is_superuser` and any permission
or group, so an Admin could make themselves (or a friend) superuser. For an editor who is not
a superuser this admin:

- shows `is_superuser` read-only (never in the form, so a POSTed value is ignored);
- offers, and validates against, only the permissions the editor holds, and only the groups
  whose permissions the editor holds (so an Admin can give the Support, Finance, Manager and
  Admin roles, but not a group with more); anything else fails as "not a valid choice";
- lets the editor change (or reset the password of) only accounts that hold no more than the
  editor: never a superuser, never someone with a permission the editor lacks, since taking
  over such an account is the same escalation by another door.

Superusers are not limited.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest


def permission_names(permissions: QuerySet[Permission]) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in permissions.values_list("content_type__app_label", "codename")
    }


def held_permissions(user: Any) -> set[str]:
    """Every permission `user` holds directly or through a group, active or not (an inactive
    account still gets them back when someone re-activates it)."""
    return permission_names(
        Permission.objects.filter(Q(user=user) | Q(group__user=user)).distinct()
    )


class StaffUserAdmin(UserAdmin):
    def _limited(self, request: HttpRequest) -> bool:
        return not request.user.is_superuser

    def grantable_permissions(self, request: HttpRequest) -> QuerySet[Permission]:
        permissions = Permission.objects.all()
        if not self._limited(request):
            return permissions
        held = Q(pk__in=[])
        for dotted in request.user.get_all_permissions():
            app_label, codename = dotted.split(".", 1)
            held |= Q(content_type__app_label=app_label, codename=codename)
        return permissions.filter(held)

    def grantable_groups(self, request: HttpRequest) -> QuerySet[Group]:
        if not self._limited(request):
            return Group.objects.all()
        beyond = Permission.objects.exclude(pk__in=self.grantable_permissions(request))
        return Group.objects.exclude(permissions__in=beyond)

    def may_manage(self, request: HttpRequest, obj: Any) -> bool:
        """Whether the editor may change `obj`: it holds nothing the editor does not."""
        if not self._limited(request):
            return True
        if obj.is_superuser:
            return False
        return held_permissions(obj) <= request.user.get_all_permissions()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and self._limited(request):
            fields.append("is_superuser")
        return fields

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups":
            kwargs["queryset"] = self.grantable_groups(request)
        elif db_field.name == "user_permissions":
            kwargs["queryset"] = self.grantable_permissions(request).select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.may_manage(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.may_manage(request, obj))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The form cannot carry the flag for a limited editor; this is the last line anyway.
        if obj.is_superuser and self._limited(request):
            raise PermissionDenied("Only a superuser can grant superuser status.")
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if self._limited(request) and not self.may_manage(request, form.instance):
            # Not reachable through the form's choices; refuse rather than keep it.
            raise PermissionDenied("You cannot grant permissions you do not hold.")
