"""Rewards Ops settings: one file, every knob from the environment.

Defaults are the embedded mode (SQLite in WAL mode, kombu's filesystem broker, the local Tango
simulator) so that `make run` works on a machine with only Python. Production sets
DATABASE_URL, CELERY_BROKER_URL, TANGO_* and DJANGO_SECRET_KEY (see .env.example).
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from core.broker import filesystem_options
from rewards_admin.beat import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from .env (written by `make run`) without overriding the real
    environment, so manage.py commands see what honcho gives the processes."""
    if not path.is_file():
        return
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if value.strip():
            os.environ.setdefault(key.strip(), value.strip())


# Under pytest: ignore the developer's .env and keep all runtime files (SQLite, the filesystem
# broker) in var/test, so test messages can never reach a `make run` worker.
TESTING = "pytest" in sys.modules
if not TESTING:
    _load_dotenv(BASE_DIR / ".env")


def env(name: str, default: str = "") -> str:
    """An environment variable; empty counts as unset (so .env.example's blanks mean default)."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


VAR_DIR = Path(env("RO_VAR_DIR", str(BASE_DIR / "var" / ("test" if TESTING else ""))))
VAR_DIR.mkdir(parents=True, exist_ok=True)


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if env_bool("DJANGO_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in this environment.")
    # No secret is ever committed: without one we use a per-process random key (sessions do
    # not survive a restart). `make run` writes a persistent one into .env on first start.
    SECRET_KEY = secrets.token_urlsafe(50)
    logging.getLogger(__name__).warning("DJANGO_SECRET_KEY not set; using a random key.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # django.contrib.admin with our site class: only the Admin role and superusers may enter.
    "rewards_admin.apps.RewardsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "csp",
    "template_partials",
    "django_filters",
    "audit",
    "orders",
    "finance",
    "approvals",
    "entry",
    "uploads",
    "recon",
    "health",
    "demo",
]

MIDDLEWARE = [
    "rewards_admin.head_requests.HeadAsGetMiddleware",  # first: HEAD answered as GET, no body
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rewards_admin.session_expiry.SessionExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rewards_admin.urls"
WSGI_APPLICATION = "rewards_admin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rewards_admin.context_processors.staff_nav",
                "health.context_processors.sync_banner",
                "finance.context_processors.low_balance_banner",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL (postgres://...) in production and CI; SQLite in WAL mode as the embedded default.
if env("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            env("DATABASE_URL"), conn_max_age=int(env("DB_CONN_MAX_AGE", "60"))
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(VAR_DIR / "rewards_ops.sqlite3")),
            "OPTIONS": {
                # WAL lets the web, worker and beat processes read while one writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file (not :memory:) so worker and browser-test subprocesses can share it; one
            # per pytest process so parallel runs never collide.
            "TEST": {"NAME": str(VAR_DIR / f"test_rewards_ops_{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "orders:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # collectstatic's target (the Docker image runs it)
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# --- Security -------------------------------------------------------------------------------
# Staff sessions: at most a working day after log-in, and ended after a while idle
# (rewards_admin/session_expiry.py; 0 turns the idle limit off).
SESSION_COOKIE_AGE = int(env("DJANGO_SESSION_MAX_AGE", str(9 * 3600)))
SESSION_IDLE_TIMEOUT = int(env("DJANGO_SESSION_IDLE_TIMEOUT", str(30 * 60)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "0"))
# Only when every subdomain is HTTPS too; preload also needs includeSubDomains and a year's
# max-age, and leaving the browsers' preload list takes months.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)

# Content-Security-Policy (django-csp). The console has no inline script, style or handler
# (tests/security/test_deploy_settings.py checks the templates), htmx comes from our own origin
# (django-htmx) and is told not to inject its indicator <style> (base.html's htmx-config), and
# the Django admin is CSP-clean too, so nothing needs 'unsafe-inline' or 'unsafe-eval'.
# img-src allows data: for base.html's empty favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if env("DJANGO_CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env("DJANGO_CSP_REPORT_URI")]

# --- Login throttling (django-axes; see rewards_admin/login_throttle.py) ---------------------
# A username from one address is locked after LOGIN_FAILURE_LIMIT wrong passwords, an address
# after LOGIN_IP_FAILURE_LIMIT over any usernames, for LOGIN_COOLOFF_MINUTES; the right
# password is refused meanwhile. Unlock: delete the attempt in /admin/axes/ (superusers) or
# `python manage.py axes_reset_username <name>` / `axes_reset_ip <address>`.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_IP_FAILURE_LIMIT = int(env("LOGIN_IP_FAILURE_LIMIT", "25"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "rewards_admin.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_CALLABLE = "rewards_admin.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "rewards_admin.login_throttle.client_ip"
AXES_RESET_ON_SUCCESS = True  # the handler forgives only that username from that address
# Tries while locked do not extend the lock, so "try again in 15 minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False  # no start-up banner in every process; failures still log a warning
# Proxies in front of gunicorn that append to X-Forwarded-For (0: use REMOTE_ADDR). Behind a
# TLS proxy REMOTE_ADDR is the proxy, and every user would share one address's limit.
TRUSTED_PROXY_COUNT = int(env("DJANGO_TRUSTED_PROXY_COUNT", "0"))

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
# Under pytest one broker folder per process, so parallel runs never share a queue.
BROKER_DIR = Path(
    env("CELERY_BROKER_DIR", str(VAR_DIR / (f"broker-{os.getpid()}" if TESTING else "broker")))
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport, each message written atomically (core/broker.py).
    CELERY_BROKER_TRANSPORT = "core.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_options(BROKER_DIR)
else:
    # The visibility timeout must exceed the longest retry countdown (core/jobs.py),
    # or Redis redelivers a task that is only waiting for its retry.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600"))
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
REDIS_URL = env("REDIS_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
# Django's cache (reports for a minute, reason codes): shared by the web processes when
# CACHE_URL names a Redis database of its own (clear() empties it), else per process.
CACHE_URL = env("CACHE_URL")
_CACHE = "redis.RedisCache" if CACHE_URL else "locmem.LocMemCache"
CACHES = {"default": {"BACKEND": f"django.core.cache.backends.{_CACHE}", "LOCATION": CACHE_URL}}


def _every(name: str, default: float) -> float:
    return float(env(name, str(default)))


# Celery beat: the table is rewards_admin/beat.py (task, interval setting, default seconds);
# every interval is read here, from the environment.
CELERY_BEAT_SCHEDULE = beat_schedule(_every)

# --- Tango ----------------------------------------------------------------------------------
# Defaults point at the local simulator (tango_sim) and its public demo credentials.
# Real sandbox: TANGO_BASE_URL=https://integration-api.tangocard.com/raas/v2 plus your
# platform name and key.
TANGO_BASE_URL = env("TANGO_BASE_URL", "http://127.0.0.1:8100/raas/v2").rstrip("/")
TANGO_PLATFORM_NAME = env("TANGO_PLATFORM_NAME", "rewardsops-demo")
TANGO_PLATFORM_KEY = env("TANGO_PLATFORM_KEY", "demo-platform-key")
if TANGO_PLATFORM_KEY == "demo-platform-key" and not TANGO_BASE_URL.startswith(
    ("http://127.0.0.1", "http://localhost", "http://tango-sim")
):
    # The demo key is the simulator's; never send it (or run unconfigured) against Tango.
    raise ImproperlyConfigured("TANGO_PLATFORM_KEY must be set when TANGO_BASE_URL is not local.")
TANGO_CONNECT_TIMEOUT = float(env("TANGO_CONNECT_TIMEOUT", "3.05"))
TANGO_READ_TIMEOUT = float(env("TANGO_READ_TIMEOUT", "20"))
# Tango asks for at most 1 POST /orders per second per platform.
TANGO_ORDER_RATE = float(env("TANGO_ORDER_RATE", "1"))
# Pace a little under the rate so network jitter never lands two POSTs inside one second.
TANGO_ORDER_RATE_HEADROOM = float(env("TANGO_ORDER_RATE_HEADROOM", "0.03"))
# The sweeper re-drives orders left PLACING (a worker died mid-call) or QUEUED this long.
PLACEMENT_PLACING_STALE_SECONDS = int(env("PLACEMENT_PLACING_STALE_SECONDS", "300"))
PLACEMENT_QUEUED_STALE_SECONDS = int(env("PLACEMENT_QUEUED_STALE_SECONDS", "600"))
# base64 HMAC key shared with Tango's webhook subscription; webhooks are refused without it.
TANGO_WEBHOOK_SECRET = env("TANGO_WEBHOOK_SECRET", "")
# Where Tango (or the simulator) should POST webhooks, registered by `setup_webhooks`.
TANGO_WEBHOOK_URL = env("TANGO_WEBHOOK_URL", "http://127.0.0.1:8000/webhooks/tango/")
SYNC_STALE_AFTER_MINUTES = float(env("SYNC_STALE_AFTER_MINUTES", "30"))
WEBHOOK_EXPIRY_ALERT_DAYS = float(env("WEBHOOK_EXPIRY_ALERT_DAYS", "7"))
SYNC_ALERT_EMAILS = env_list("SYNC_ALERT_EMAILS")
BALANCE_ALERT_EMAILS = env_list("BALANCE_ALERT_EMAILS")
# How many days back the periodic "recent" sync re-reads orders and line items.
TANGO_SYNC_RECENT_DAYS = int(env("TANGO_SYNC_RECENT_DAYS", "7"))
# Prefix of the externalRefIDs we generate (keeps several installs apart on one platform).
TANGO_EXTERNAL_REF_PREFIX = env("TANGO_EXTERNAL_REF_PREFIX", "ro")
# Delivery methods this Tango platform is enabled for (PHONE / QR code need Tango's Mobile
# Delivery Addendum): the order form offers only these, the validator refuses the others.
TANGO_DELIVERY_METHODS = [
    method.upper()
    for method in env_list(
        "TANGO_DELIVERY_METHODS", "NONE,EMAIL,PHONE,ADDRESS,EMBEDDED,EMBEDDED_COMPONENT,WHATSAPP"
    )
]
# The simulator's data file (under BASE_DIR), shared with the Procfile's `sim` process.
TANGO_SIM_DATA = env("TANGO_SIM_DATA", "var/tango_sim.sqlite3")

# --- Console ----------------------------------------------------------------------------------
# Facet counts slower than this are not shown (statement_timeout): they never slow the page.
ORDER_FACET_BUDGET_MS = int(env("ORDER_FACET_BUDGET_MS", "400"))
# The password `seed_demo` gives the demo logins (one per role).
DEMO_PASSWORD = env("DEMO_PASSWORD", "rewards-demo")

# --- Finance ----------------------------------------------------------------------------------
# Export files written by workers: a private folder, never under STATIC_ROOT or any served
# path; only the job's owner downloads a file, through the view, until it expires.
FINANCE_EXPORT_DIR = Path(env("FINANCE_EXPORT_DIR", str(VAR_DIR / "exports")))
FINANCE_EXPORT_TTL_HOURS = int(env("FINANCE_EXPORT_TTL_HOURS", "24"))
# Exports with more rows than this run as a background job; smaller ones stream at once.
FINANCE_EXPORT_ASYNC_ROWS = int(env("FINANCE_EXPORT_ASYNC_ROWS", "50000"))
# Recipient tax totals: "YEAR:US$ threshold" pairs; a year uses the latest pair at or before
# it (defaults: US$600 for 2025 payments, US$2,000 from 2026 on).
FINANCE_TAX_THRESHOLDS = {
    int(year): int(amount)
    for year, _, amount in (
        item.partition(":") for item in env_list("FINANCE_TAX_THRESHOLDS", "2025:600,2026:2000")
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"one_line_403": {"()": "rewards_admin.log_filters.OneLinePermissionDenied"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A 403 is one line with its reason, not a traceback (on the logger, before any handler).
        "django.request": {"filters": ["one_line_403"]},
        # Failed logins and lockouts are warnings; every successful login is not news.
        "axes": {"level": "WARNING"},
    },
}

# --- Reconciliation, approvals, uploads ----------------------------------------------------
# Days back (by Tango's createdAt) that the nightly reconciliation compares with Tango.
RECON_DAYS = int(env("RECON_DAYS", "35"))
# Hours until an undecided approval request is withdrawn (the creator is emailed), and until
# its approvers get their one reminder.
APPROVAL_EXPIRY_HOURS = float(env("APPROVAL_EXPIRY_HOURS", "72"))
APPROVAL_REMIND_AFTER_HOURS = float(env("APPROVAL_REMIND_AFTER_HOURS", "24"))
# Uploads: the largest file, and the days back a row is compared with orders already entered.
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
UPLOAD_RECENT_DAYS = int(env("UPLOAD_RECENT_DAYS", "30"))
# Email (approval notices): the console backend (make run prints mails in its log) unless
# EMAIL_BACKEND says SMTP (django.core.mail.backends.smtp.EmailBackend). Tests use locmem.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST, EMAIL_PORT = env("EMAIL_HOST", "localhost"), int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = env("EMAIL_HOST_USER"), env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "rewards-ops@localhost")
