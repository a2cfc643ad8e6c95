"""Logging filters wired in settings.LOGGING."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class OneLinePermissionDenied(logging.Filter):
    """Django logs every 403 as "Forbidden (Permission denied): /path" with the exception's
    traceback. A refusal is the app working as intended, so: one line, with the reason the
    user was shown ("Needs the Manager role."), no traceback. Other errors are untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, PermissionDenied):
            reason = str(exc)
            if reason and isinstance(record.args, tuple):
                record.msg = f"{record.msg} (%s)"
                record.args = (*record.args, reason)
            record.exc_info = None
            record.exc_text = None
        return True
