"""Production hardening (issue 8, item 12): a strict Content-Security-Policy, staff sessions
that end (a working day at most, and after a while idle), configurable HSTS, and
`check --deploy` silent with the production settings the README documents.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
LIST = reverse("orders:list")


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *values = part.split()
        directives[name] = values
    return directives


# --- Content-Security-Policy -----------------------------------------------------------------


@pytest.fixture
def support(client, make_user):
    user = make_user("Support")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "url", [LIST, reverse("login"), reverse("admin:login"), reverse("audit:log")]
)
def test_every_page_has_a_strict_csp(client, support, url):
    response = client.get(url)
    policy = csp_directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe" not in header and "*" not in header


def test_htmx_fragments_carry_it_too(client, support):
    response = client.get(LIST, headers={"HX-Request": "true"})
    assert csp_directives(response)["script-src"] == ["'self'"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"\shx-on", re.I), "an hx-on handler (needs unsafe-eval)"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


@pytest.mark.parametrize("path", sorted((ROOT / "templates").rglob("*.html")), ids=str)
def test_templates_need_nothing_the_policy_refuses(path):
    text = re.sub(r"\{#.*?#\}", "", path.read_text())  # template comments are not sent
    for pattern, what in INLINE:
        assert not pattern.search(text), f"{path.name} has {what}"


def test_htmx_is_told_not_to_inject_its_indicator_style():
    base = (ROOT / "templates" / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base
    assert '"allowEval": false' in base


# --- Sessions ---------------------------------------------------------------------------------


def test_sessions_last_a_working_day_at_most():
    assert 8 * 3600 <= settings.SESSION_COOKIE_AGE <= 10 * 3600
    assert 0 < settings.SESSION_IDLE_TIMEOUT <= 3600


@pytest.fixture
def clock(monkeypatch):
    """The session-expiry middleware's clock, moved by hand."""
    from rewards_admin import session_expiry

    state = {"now": time.time()}
    monkeypatch.setattr(session_expiry, "now", lambda: state["now"])

    def advance(seconds: float) -> None:
        state["now"] += seconds

    return advance


def test_a_session_idle_too_long_ends(client, clock, support):
    assert client.get(LIST).status_code == 200
    clock(settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"])
    assert "logged out after" in page.content.decode()
    assert not page.wsgi_request.user.is_authenticated


def test_an_htmx_request_on_an_idle_session_is_sent_to_log_in(client, clock, support):
    clock(settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(LIST, headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"].startswith(reverse("login"))


def test_activity_keeps_a_session_alive_until_the_end_of_the_day(client, clock, support):
    step = settings.SESSION_IDLE_TIMEOUT - 60
    elapsed = 0
    while elapsed + step < settings.SESSION_COOKIE_AGE:
        clock(step)
        elapsed += step
        assert client.get(LIST).status_code == 200, f"logged out after {elapsed} s of work"
    clock(settings.SESSION_COOKIE_AGE - elapsed + 1)
    response = client.get(LIST)
    assert response.status_code == 302
    assert "log in again" in client.get(response["Location"]).content.decode()


def test_the_admin_expires_too(client, clock, make_user):
    client.force_login(make_user("Admin"))
    assert client.get(reverse("admin:index")).status_code == 200
    clock(settings.SESSION_IDLE_TIMEOUT + 1)
    assert client.get(reverse("admin:index")).status_code == 302


def test_anonymous_and_webhook_requests_are_untouched(client, clock):
    clock(10 * 24 * 3600)
    assert client.get(reverse("orders:healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 200


# --- HSTS -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subdomains", "preload", "expected"),
    [
        (False, False, "max-age=31536000"),
        (True, False, "max-age=31536000; includeSubDomains"),
        (True, True, "max-age=31536000; includeSubDomains; preload"),
    ],
)
def test_hsts_options(client, settings, subdomains, preload, expected):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = subdomains
    settings.SECURE_HSTS_PRELOAD = preload
    response = client.get(reverse("login"), secure=True)
    assert response.headers["Strict-Transport-Security"] == expected


# --- check --deploy with the README's production settings -----------------------------------


def readme_production_env() -> dict[str, str]:
    """The KEY=VALUE block under "Production shape" in README.md, secrets filled in."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production shape", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```\n(# \.env\.production.*?)```", section, re.S)
    assert block, "README's Production shape section lists the production settings"
    values = {}
    for line in block.group(1).splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = secrets.token_urlsafe(50) if value.startswith("<") else value
    return values


def production_env(tmp_path) -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "PYTHONPATH", "SYSTEMROOT"}
    return {
        **{k: v for k, v in os.environ.items() if k in keep},
        **readme_production_env(),
        "RO_VAR_DIR": str(tmp_path),
    }


def test_the_readme_documents_the_hardening_switches():
    documented = readme_production_env()
    for key in (
        "DJANGO_SECRET_KEY",
        "DJANGO_REQUIRE_SECRET_KEY",
        "DJANGO_BEHIND_TLS_PROXY",
        "DJANGO_SECURE_COOKIES",
        "DJANGO_HSTS_SECONDS",
        "DJANGO_HSTS_INCLUDE_SUBDOMAINS",
        "DJANGO_HSTS_PRELOAD",
    ):
        assert key in documented, key


def test_check_deploy_is_silent_with_the_readme_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
    assert "WARNING" not in output.replace("DJANGO_SECRET_KEY not set", ""), output


def test_the_production_settings_take_effect(tmp_path):
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
        "'SESSION_COOKIE_AGE', 'SESSION_IDLE_TIMEOUT')}))"
    )
    env = {**production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "rewards_admin.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"]
    assert values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SESSION_COOKIE_AGE"] == 9 * 3600
    assert values["SESSION_IDLE_TIMEOUT"] == 30 * 60
