"""A 403 is one log line, not a traceback (issue 8, item 17).

Every refused request (a role without the permission, an admin the user may not change)
wrote Django's full traceback of the PermissionDenied: pages of noise for a newcomer reading
the log, for something that is the app working as intended. Real errors keep theirs.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.urls import reverse


def formatted(record: logging.LogRecord) -> str:
    fmt = settings.LOGGING["formatters"]["plain"]["format"]
    return logging.Formatter(fmt).format(record)


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "django.request"]


def test_a_console_403_logs_one_line_with_the_reason(client, make_user, caplog):
    client.force_login(make_user("Finance"))
    with caplog.at_level(logging.INFO):
        response = client.get(reverse("audit:log"))
    assert response.status_code == 403
    [record] = request_records(caplog)
    line = formatted(record)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "\n" not in line and "Traceback" not in line
    assert "Forbidden (Permission denied): /audit/" in line
    assert "Needs the Manager role." in line


def test_an_admin_403_logs_one_line(client, make_user, caplog):
    client.force_login(make_user(None, username="root", is_superuser=True))
    with caplog.at_level(logging.INFO):
        response = client.post(reverse("admin:orders_savedview_add"), {})
    assert response.status_code == 403
    [record] = request_records(caplog)
    assert record.exc_info is None and "\n" not in formatted(record)


def test_other_errors_keep_their_traceback():
    from rewards_admin.log_filters import OneLinePermissionDenied

    try:
        raise ValueError("a real bug")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x",), exc_info
    )
    assert OneLinePermissionDenied().filter(record)
    assert record.exc_info is exc_info
    assert "Traceback" in formatted(record)
