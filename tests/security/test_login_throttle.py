"""Login throttling and lockout (issue 8, item 4), by django-axes.

60 wrong passwords in 24 s were all answered and the right one worked right after. Now a
username from one address is locked after AXES_FAILURE_LIMIT failures (the right password
included), one address after LOGIN_IP_FAILURE_LIMIT failures over any usernames (password
spraying), for AXES_COOLOFF_TIME; the page says so; an Admin (superuser) unlocks in the admin,
or anyone with a shell through axes' reset commands. The same user from another address, and
other users from the same address below the address limit, are not affected, so nobody can
lock a colleague out from outside.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

LOGIN = reverse("login")
PASSWORD = "pw-for-tests-only"
USER_LIMIT = getattr(settings, "AXES_FAILURE_LIMIT", 5)
IP_LIMIT = getattr(settings, "LOGIN_IP_FAILURE_LIMIT", 20)
OFFICE, HOME = "10.0.0.1", "192.0.2.7"


def attempt(client, username: str, password: str, ip: str = OFFICE, url: str = LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


@pytest.fixture
def agent(make_user):
    return make_user("Support", username="agent")


def fail(client, username: str, times: int, ip: str = OFFICE) -> None:
    for _ in range(times):
        response = attempt(client, username, "wrong-password", ip)
        assert response.status_code in (200, 429)


def test_the_limits_are_sane():
    # Small enough to stop guessing, large enough for typos and for the browser tests.
    assert 3 <= USER_LIMIT <= 10
    assert USER_LIMIT < IP_LIMIT <= 100
    assert (
        datetime.timedelta(minutes=5) <= settings.AXES_COOLOFF_TIME <= datetime.timedelta(hours=1)
    )


def test_a_wrong_password_says_so_and_a_right_one_logs_in(client, agent):
    response = attempt(client, "agent", "wrong-password")
    assert response.status_code == 200
    assert b"didn&#x27;t match" in response.content or b"didn't match" in response.content
    assert logged_in(attempt(client, "agent", PASSWORD))


def test_after_the_limit_even_the_right_password_is_refused(client, agent):
    fail(client, "agent", USER_LIMIT)
    response = attempt(client, "agent", PASSWORD)
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated
    html = response.content.decode()
    assert "Too many failed log-in attempts" in html
    assert "15 minutes" in html or "minutes" in html  # when to try again
    assert "Admin" in html  # who can unlock it sooner


def test_the_lockout_page_is_shown_on_every_later_try(client, agent):
    fail(client, "agent", USER_LIMIT)
    assert attempt(client, "agent", "wrong-password").status_code == 429


def test_the_same_user_from_another_address_is_not_locked(client, agent):
    fail(client, "agent", USER_LIMIT, ip=OFFICE)
    assert logged_in(attempt(client, "agent", PASSWORD, ip=HOME))


def test_another_user_from_the_same_address_is_not_locked(client, agent, make_user):
    make_user("Finance", username="colleague")
    fail(client, "agent", USER_LIMIT, ip=OFFICE)
    assert logged_in(attempt(client, "colleague", PASSWORD, ip=OFFICE))


def test_spraying_many_usernames_from_one_address_locks_the_address(client, agent):
    for n in range(IP_LIMIT):
        attempt(client, f"guess-{n}", "wrong-password", ip=OFFICE)
    assert attempt(client, "agent", PASSWORD, ip=OFFICE).status_code == 429
    assert logged_in(attempt(client, "agent", PASSWORD, ip=HOME))


def test_a_successful_login_forgives_earlier_typos(client, agent):
    fail(client, "agent", USER_LIMIT - 1)
    assert logged_in(attempt(client, "agent", PASSWORD))
    client.logout()
    fail(client, "agent", USER_LIMIT - 1)
    assert logged_in(attempt(client, "agent", PASSWORD))


def test_the_admin_login_is_throttled_too(client, make_user):
    make_user("Admin", username="boss")
    url = reverse("admin:login")
    for _ in range(USER_LIMIT):
        attempt(client, "boss", "wrong-password", url=url)
    response = attempt(client, "boss", PASSWORD, url=url)
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated


def test_unlock_with_the_reset_command(client, agent):
    fail(client, "agent", USER_LIMIT)
    call_command("axes_reset_username", "agent")
    assert logged_in(attempt(client, "agent", PASSWORD))


def test_unlock_in_the_admin(client, agent, make_user):
    from axes.models import AccessAttempt

    fail(client, "agent", USER_LIMIT)
    locked = AccessAttempt.objects.get(username="agent")
    admin_client = type(client)()
    admin_client.force_login(make_user(None, username="root", is_superuser=True))
    url = reverse("admin:axes_accessattempt_changelist")
    page = admin_client.get(url)
    assert page.status_code == 200 and "agent" in page.content.decode()
    delete = reverse("admin:axes_accessattempt_delete", args=[locked.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert logged_in(attempt(client, "agent", PASSWORD))


def test_the_lock_lifts_after_the_cool_off(client, agent):
    from axes.models import AccessAttempt

    fail(client, "agent", USER_LIMIT)
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC)
        - settings.AXES_COOLOFF_TIME
        - datetime.timedelta(seconds=1)
    )
    assert logged_in(attempt(client, "agent", PASSWORD))


def test_failed_passwords_are_not_stored(client, agent):
    from axes.models import AccessAttempt

    attempt(client, "agent", "my-secret-guess")
    assert "my-secret-guess" not in AccessAttempt.objects.get().post_data


# --- Password reset: not offered --------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["password_reset", "password_reset_done", "password_reset_complete"]
)
def test_password_reset_is_not_exposed(client, name):
    """Staff passwords are set by an Admin in the user admin; there is no email backend and no
    reset page, so the unthrottled reset routes that django.contrib.auth.urls brought are gone."""
    with pytest.raises(NoReverseMatch):
        reverse(name)
    assert client.get("/password_reset/").status_code == 404
    assert client.get("/reset/MQ/set-password/").status_code == 404
