"""Email addresses as Tango accepts them: one place for the rules (422.134 "malformed email").

Django's EmailValidator checks the syntax; Tango (like RFC 5321) also refuses a local part
(before the @) over 64 characters and an address over 254, which Django lets through. Forms
use `validate_email` as a field validator; services that collect every problem at once use
`email_problem`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

LOCAL_PART_MAX = 64
ADDRESS_MAX = 254
NOT_VALID = "Enter a valid email address."

_syntax = EmailValidator(message=NOT_VALID)


def email_problem(value: str) -> str | None:
    """What is wrong with `value` as an address Tango will deliver to, or None."""
    try:
        _syntax(value)
    except ValidationError:
        return NOT_VALID
    if len(value.rsplit("@", 1)[0]) > LOCAL_PART_MAX:
        return (
            f"The part of the email address before the @ can have at most {LOCAL_PART_MAX} "
            "characters."
        )
    if len(value) > ADDRESS_MAX:
        return f"An email address can have at most {ADDRESS_MAX} characters."
    return None


def validate_email(value: str) -> None:
    """A form field validator for `email_problem`."""
    problem = email_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_email")
