"""Staff-user management cannot grant what the editor does not have (issue 8, item 2).

An Admin-role user who is not a superuser manages staff accounts in /admin/auth/user/. The
stock UserAdmin accepted `is_superuser=on` from them, and any permission or group. Here every
way up is tried: the superuser flag, direct permissions, groups, on add and on change, on
another account and on one's own, and taking over an account that holds more (a superuser's
password, say).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

User = get_user_model()
ADD = reverse("admin:auth_user_add")


def perm(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def change_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def change_data(user, **overrides) -> dict:
    """A complete change-form POST for `user` as it is now, with `overrides` on top."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "groups": [group.pk for group in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


@pytest.fixture
def editor(client, make_user):
    """An Admin-role staff user who is not a superuser, logged in."""
    user = make_user("Admin", username="editor")
    client.force_login(user)
    return user


@pytest.fixture
def agent(make_user):
    return make_user("Support", username="agent")


@pytest.fixture
def root_group(db):
    """A group holding more than the Admin role (Django's own user and group admin rights)."""
    group = Group.objects.create(name="Root-ish")
    group.permissions.add(perm("auth.delete_user"), perm("auth.change_group"))
    return group


def fresh(user):
    return User.objects.get(pk=user.pk)


# --- The superuser flag ------------------------------------------------------------------------


def test_the_superuser_flag_is_not_offered_to_a_non_superuser(client, editor, agent):
    html = client.get(change_url(agent)).content.decode()
    assert 'name="is_staff"' in html
    assert 'name="is_superuser"' not in html


def test_is_superuser_on_another_account_is_not_granted(client, editor, agent):
    response = client.post(change_url(agent), change_data(agent, is_superuser="on"))
    assert response.status_code == 302  # the rest of the change is saved
    assert not fresh(agent).is_superuser


def test_is_superuser_on_ones_own_account_is_not_granted(client, editor):
    response = client.post(change_url(editor), change_data(editor, is_superuser="on"))
    assert response.status_code == 302
    assert not fresh(editor).is_superuser


def test_is_superuser_on_add_is_not_granted(client, editor, root_group):
    response = client.post(
        ADD,
        {
            "username": "newbie",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": [root_group.pk],
            "user_permissions": [perm("auth.delete_user").pk],
        },
    )
    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert not newbie.is_superuser
    assert not newbie.groups.exists() and not newbie.user_permissions.exists()


# --- Permissions and groups ------------------------------------------------------------------


def test_a_permission_beyond_the_editors_own_is_refused(client, editor, agent):
    beyond = perm("auth.delete_user")
    assert not editor.has_perm("auth.delete_user")
    response = client.post(change_url(agent), change_data(agent, user_permissions=[beyond.pk]))
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["user_permissions"]
    assert not fresh(agent).user_permissions.exists()


def test_a_permission_beyond_the_editors_own_is_refused_on_oneself(client, editor):
    beyond = perm("auth.delete_user")
    response = client.post(change_url(editor), change_data(editor, user_permissions=[beyond.pk]))
    assert response.status_code == 200
    assert not fresh(editor).has_perm("auth.delete_user")


def test_only_permissions_the_editor_holds_are_offered(client, editor, agent):
    form = client.get(change_url(agent)).context["adminform"].form
    offered = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in form.fields["user_permissions"].queryset.select_related("content_type")
    }
    assert offered == editor.get_all_permissions()


def test_a_permission_the_editor_holds_can_be_granted(client, editor, agent):
    granted = perm("orders.reveal_credential")  # Admin has it, Support does not
    response = client.post(change_url(agent), change_data(agent, user_permissions=[granted.pk]))
    assert response.status_code == 302
    assert fresh(agent).has_perm("orders.reveal_credential")


def test_a_group_beyond_the_editors_own_is_refused(client, editor, agent, root_group):
    groups = [*agent.groups.values_list("pk", flat=True), root_group.pk]
    response = client.post(change_url(agent), change_data(agent, groups=groups))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["groups"]
    assert not fresh(agent).groups.filter(pk=root_group.pk).exists()


def test_a_group_beyond_the_editors_own_is_refused_on_oneself(client, editor, root_group):
    groups = [*editor.groups.values_list("pk", flat=True), root_group.pk]
    response = client.post(change_url(editor), change_data(editor, groups=groups))
    assert response.status_code == 200
    assert not fresh(editor).groups.filter(pk=root_group.pk).exists()


def test_every_role_the_editor_covers_can_be_assigned(client, editor, agent, roles, root_group):
    form = client.get(change_url(agent)).context["adminform"].form
    assert set(form.fields["groups"].queryset) == set(roles.values())  # not Root-ish
    response = client.post(change_url(agent), change_data(agent, groups=[roles["Manager"].pk]))
    assert response.status_code == 302
    assert list(fresh(agent).groups.all()) == [roles["Manager"]]


# --- Accounts that hold more than the editor -------------------------------------------------


def test_a_superuser_cannot_be_edited_by_a_non_superuser(client, editor, make_user):
    root = make_user(None, username="root", is_superuser=True)
    page = client.get(change_url(root))
    assert page.status_code == 200  # may look
    assert b'name="_save"' not in page.content  # read-only
    response = client.post(change_url(root), change_data(root, is_active=""))
    assert response.status_code == 403
    assert fresh(root).is_active


def test_a_superusers_password_cannot_be_reset_by_a_non_superuser(client, editor, make_user):
    root = make_user(None, username="root", is_superuser=True)
    url = reverse("admin:auth_user_password_change", args=[root.pk])
    response = client.post(
        url,
        {"usable_password": "true", "password1": "taken-over-123", "password2": "taken-over-123"},
    )
    assert response.status_code == 403
    assert fresh(root).check_password("pw-for-tests-only")


def test_an_account_with_more_permissions_cannot_be_edited(client, editor, agent, root_group):
    agent.groups.add(root_group)
    response = client.post(change_url(agent), change_data(agent, is_active=""))
    assert response.status_code == 403
    url = reverse("admin:auth_user_password_change", args=[agent.pk])
    response = client.post(
        url,
        {"usable_password": "true", "password1": "taken-over-123", "password2": "taken-over-123"},
    )
    assert response.status_code == 403
    assert fresh(agent).check_password("pw-for-tests-only")


def test_an_admin_can_still_manage_staff(client, editor, agent):
    response = client.post(change_url(agent), change_data(agent, first_name="Alex"))
    assert response.status_code == 302
    assert fresh(agent).first_name == "Alex"
    url = reverse("admin:auth_user_password_change", args=[agent.pk])
    response = client.post(
        url, {"usable_password": "true", "password1": "new-pass-4567", "password2": "new-pass-4567"}
    )
    assert response.status_code == 302
    assert fresh(agent).check_password("new-pass-4567")


# --- A superuser is not limited --------------------------------------------------------------


def test_a_superuser_may_grant_anything(client, make_user, agent, root_group):
    client.force_login(make_user(None, username="root", is_superuser=True))
    response = client.post(
        change_url(agent),
        change_data(
            agent,
            is_superuser="on",
            groups=[root_group.pk],
            user_permissions=[perm("auth.delete_user").pk],
        ),
    )
    assert response.status_code == 302
    agent = fresh(agent)
    assert agent.is_superuser and agent.groups.filter(pk=root_group.pk).exists()
