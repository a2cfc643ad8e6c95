"""Django admin with our own site class (the documented way to replace the default site):
every `@admin.register` in the apps lands on rewards_admin.admin_site.RewardsAdminSite, and
the user admin is the one that cannot grant more than its editor holds. Also the project's
one start-up hook: the session-expiry stamp on log-in."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class RewardsAdminConfig(AdminConfig):
    default_site = "rewards_admin.admin_site.RewardsAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscover: every app's admin module, django.contrib.auth's too
        from django.contrib import admin
        from django.contrib.auth import get_user_model

        from rewards_admin.user_admin import StaffUserAdmin

        user_model = get_user_model()
        if admin.site.is_registered(user_model):
            admin.site.unregister(user_model)
        admin.site.register(user_model, StaffUserAdmin)

        # Connected here, at start-up, not when the middleware is first built: a log-in before
        # the first request (a test's force_login) must be stamped too.
        from django.contrib.auth.signals import user_logged_in

        from rewards_admin.session_expiry import stamp_login

        user_logged_in.connect(stamp_login, dispatch_uid="rewards_ops.stamp_login")
