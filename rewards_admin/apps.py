"""Django admin with our own site class (the documented way to replace the default site):
every `@admin.register` in the apps lands on rewards_admin.admin_site.RewardsAdminSite."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class RewardsAdminConfig(AdminConfig):
    default_site = "rewards_admin.admin_site.RewardsAdminSite"
