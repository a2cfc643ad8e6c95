"""TangoClient error mapping (`responses`): HTTP status and i18nKey → typed error + envelope."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest
import requests

from tango import (
    TangoAlreadyExists,
    TangoAuthError,
    TangoClient,
    TangoError,
    TangoInFlight,
    TangoInsufficientFunds,
    TangoNotFound,
    TangoRateLimited,
    TangoRejected,
    TangoThrottled,
    TangoUnavailable,
)
from tango.errors import (
    TangoActionRefused,
    TangoActionWindowClosed,
    TangoNotChoiceProduct,
    TangoReissueLimit,
    TangoRewardStatusRefused,
)
from tango.testing import payloads as p
from tango.testing.payloads import BASE, create_kwargs

# --- error mapping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "key", "expected", "retry_after"),
    [
        (400, "400.009", TangoRejected, None),
        (401, "401.002", TangoAuthError, None),
        (402, "402.001", TangoInsufficientFunds, None),
        (403, "403.010", TangoRewardStatusRefused, None),
        (403, "403.018", TangoNotChoiceProduct, None),
        (403, "403.019", TangoActionWindowClosed, None),
        (403, "403.022", TangoReissueLimit, None),
        (403, "403.099", TangoRejected, None),
        (404, "404.017", TangoNotFound, None),
        (409, "409.002", TangoInFlight, 2.0),
        (409, "409.024", TangoAlreadyExists, None),
        (410, "410.001", TangoRejected, None),
        (422, "422.024", TangoRejected, None),
        (428, "428.001", TangoRejected, None),
        (429, "429.001", TangoRateLimited, 1.0),
        (500, "500.001", TangoUnavailable, None),
        (502, None, TangoUnavailable, None),
        (503, "503.502", TangoUnavailable, None),
    ],
)
def test_status_and_i18n_key_map_to_error_class(tango, mocked, status, key, expected, retry_after):
    mocked.post(
        f"{BASE}/orders",
        json=p.envelope(status, key, "Tango says no"),
        status=status,
        headers={"X-REQUEST-ID": "hdr-req-1"},
    )

    with pytest.raises(TangoError) as info:
        tango.create_order(**create_kwargs())

    error = info.value
    assert type(error) is expected
    assert error.status_code == status
    assert error.i18n_key == key
    assert error.message == "Tango says no"
    assert error.request_id == "82b542f0-ed18-4021-8f8f-d176ae0982cd"  # the envelope's
    assert error.path == "/raas/v2/orders"
    assert error.retry_after == retry_after
    assert (key or "") in str(error)
    assert "Tango says no" in str(error)


def test_retryable_and_final_families():
    assert issubclass(TangoRateLimited, TangoUnavailable)
    assert issubclass(TangoInFlight, TangoUnavailable)
    for refusal in (
        TangoRewardStatusRefused,
        TangoNotChoiceProduct,
        TangoActionWindowClosed,
        TangoReissueLimit,
    ):
        assert issubclass(refusal, TangoActionRefused)
        assert issubclass(refusal, TangoRejected)  # final: callers catching TangoRejected hold
    for final in (TangoInsufficientFunds, TangoNotFound, TangoThrottled):
        assert issubclass(final, TangoRejected)
        assert not issubclass(final, TangoUnavailable)
    assert not issubclass(TangoAuthError, TangoRejected | TangoUnavailable)


def test_field_validation_envelope_is_carried(tango, mocked):
    # Tango's own example: HTTP 400, no top-level key, 422.* keys on the field errors.
    body = p.envelope(
        400,
        None,
        None,
        errors=[
            {
                "path": "recipient.email",
                "i18nKey": "422.134",
                "message": "not a well-formed email address",
                "invalidValue": "bad@@example.com",
                "constraint": "Email",
            },
            {"path": "utid", "i18nKey": "422.147", "message": "must match ^[uU][\\d]+$"},
        ],
    )
    mocked.post(f"{BASE}/orders", json=body, status=400)

    with pytest.raises(TangoRejected) as info:
        tango.create_order(**create_kwargs())

    error = info.value
    assert error.i18n_key == "422.134"  # the first field error's key when none at the top
    assert [(e.path, e.i18n_key, e.constraint) for e in error.errors] == [
        ("recipient.email", "422.134", "Email"),
        ("utid", "422.147", None),
    ]
    assert error.errors[0].invalid_value == "bad@@example.com"
    text = str(error)
    assert "recipient.email: not a well-formed email address" in text
    assert "422.147" in text
    assert "bad@@example.com" not in text  # the invalid value may be personal data
    assert "bad@@example.com" not in repr(error.errors[0])


def test_rate_limit_uses_retry_after_header(tango, mocked):
    mocked.post(
        f"{BASE}/orders",
        json=p.envelope(429, "429.001", "Too many requests"),
        status=429,
        headers={"Retry-After": "5"},
    )
    with pytest.raises(TangoRateLimited) as info:
        tango.create_order(**create_kwargs())
    assert info.value.retry_after == 5.0


def test_server_error_carries_retry_after_header_when_given(tango, mocked):
    mocked.get(f"{BASE}/orders/RA1", body="", status=503, headers={"Retry-After": "12"})
    with pytest.raises(TangoUnavailable) as info:
        tango.get_order("RA1")
    assert info.value.retry_after == 12.0
    assert info.value.status_code == 503


def test_resend_throttle_reads_window_and_last_sent_time(tango, mocked):
    # Last sent 12 s before the server's timestamp: 18 s of the 30 s window remain.
    body = p.envelope(
        403,
        "403.005",
        "Cannot send more than once every 30 seconds. Last sent at 2026-05-06T19:19:16.564Z",
        path="/raas/v2/orders/RA1/resends",
    )
    mocked.post(f"{BASE}/orders/RA1/resends", json=body, status=403)

    with pytest.raises(TangoThrottled) as info:
        tango.resend_order("RA1")

    assert info.value.retry_after == pytest.approx(18.0)
    assert "403.005" in str(info.value)


def test_resend_throttle_from_tokens_and_date_header(tango, mocked):
    last_sent = datetime(2026, 5, 6, 19, 19, 20, tzinfo=UTC)
    body = {
        "i18nKey": "403.005",
        "message": "Cannot send more than once every {0} seconds. Last sent at {1}",
        "i18nTokenReplacements": ["60", last_sent.isoformat()],
    }
    mocked.post(
        f"{BASE}/lineItems/RA1-1/resends",
        json=body,
        status=403,
        headers={"Date": "Wed, 06 May 2026 19:19:30 GMT"},
    )
    with pytest.raises(TangoThrottled) as info:
        tango.resend_line_item("RA1-1")
    assert info.value.retry_after == pytest.approx(50.0)


def test_resend_throttle_without_details_waits_thirty_seconds(tango, mocked):
    body = p.envelope(403, "403.005", "Too soon")
    mocked.post(f"{BASE}/orders/RA1/resends", json=body, status=403)
    with pytest.raises(TangoThrottled) as info:
        tango.resend_order("RA1")
    assert info.value.retry_after == 30.0


@pytest.mark.parametrize(
    ("status", "content_type", "text", "expected"),
    [
        (401, "text/plain", "Bad credentials", TangoAuthError),
        (400, "text/plain", "Client has exceeded the daily rate limit", TangoRejected),
        (502, "text/html", "<html><body>\n  Bad   Gateway\n</body></html>", TangoUnavailable),
    ],
)
def test_non_json_error_bodies(tango, mocked, status, content_type, text, expected):
    mocked.get(
        f"{BASE}/accounts",
        body=text,
        status=status,
        content_type=content_type,
        headers={"X-REQUEST-ID": "req-plain"},
    )
    with pytest.raises(TangoError) as info:
        tango.list_accounts()
    error = info.value
    assert type(error) is expected
    assert error.i18n_key is None
    assert error.message == " ".join(text.split())
    assert error.request_id == "req-plain"
    assert error.path == "/accounts"
    assert error.message in str(error)


def test_empty_error_body_still_explains_itself(tango, mocked):
    mocked.get(f"{BASE}/accounts/x", body="", status=404)
    with pytest.raises(TangoNotFound) as info:
        tango.get_account("x")
    assert "HTTP 404" in str(info.value)


def test_redirect_is_a_configuration_error(tango, mocked):
    mocked.get(f"{BASE}/accounts", status=301, headers={"Location": "https://elsewhere/"})
    with pytest.raises(TangoAuthError, match="TANGO_BASE_URL"):
        tango.list_accounts()


def test_non_json_success_body_is_unavailable(tango, mocked):
    mocked.get(f"{BASE}/orders/RA1", body="<html>maintenance</html>", status=200)
    with pytest.raises(TangoUnavailable) as info:
        tango.get_order("RA1")
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize(
    "exc",
    [
        requests.ConnectionError("refused"),
        requests.ReadTimeout("read timed out"),
        requests.ConnectTimeout("connect timed out"),
        requests.exceptions.ChunkedEncodingError("cut off"),
    ],
)
def test_transport_failures_are_unavailable(tango, mocked, exc):
    mocked.post(f"{BASE}/orders", body=exc)
    with pytest.raises(TangoUnavailable) as info:
        tango.create_order(**create_kwargs())
    assert info.value.__cause__ is exc
    assert info.value.status_code is None
    assert info.value.retry_after is None


def test_invalid_base_url_is_a_configuration_error():
    tango = TangoClient(base_url="not a url", platform_name="n", platform_key="k")
    with pytest.raises(TangoAuthError) as info:
        tango.list_accounts()
    assert isinstance(info.value.__cause__, requests.RequestException)


def test_errors_survive_pickling(tango, mocked):
    mocked.post(f"{BASE}/orders", json=p.envelope(409, "409.002", "in process"), status=409)
    with pytest.raises(TangoInFlight) as info:
        tango.create_order(**create_kwargs())
    copy = pickle.loads(pickle.dumps(info.value))  # noqa: S301 - our own bytes
    assert type(copy) is TangoInFlight
    assert (copy.i18n_key, copy.retry_after, str(copy)) == ("409.002", 2.0, str(info.value))
