"""The endpoint Tango (or the simulator) POSTs webhook events to: `webhooks/tango/`.

Order of checks matters: the signature is verified before the body is even parsed, so an
unauthenticated caller learns nothing about what we accept. Failures answer 4xx/503 with one
log line that never includes the body (it may carry account or recipient data). Valid events
are stored and answered 200 at once; processing happens in a task (Tango does not document its
retry policy, so a slow answer risks duplicate deliveries).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders.webhooks import store_webhook_event
from tango.webhooks import (
    SIGNATURE_HEADER,
    InvalidWebhook,
    parse_envelope,
    signature_is_valid,
    signing_key,
)

logger = logging.getLogger(__name__)


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "?")


@csrf_exempt  # authenticated by the HMAC signature instead; Tango has no CSRF token
@require_POST
def tango_webhook(request: HttpRequest) -> HttpResponse:
    key = signing_key()
    if key is None:
        # Refuse rather than accept unsigned events: anyone could otherwise post balances.
        logger.error("webhook refused: TANGO_WEBHOOK_SECRET is missing or not base64")
        return HttpResponse("webhook secret not configured", status=503, content_type="text/plain")
    body = request.body
    if not signature_is_valid(key=key, body=body, signature=request.headers.get(SIGNATURE_HEADER)):
        logger.warning(
            "webhook rejected: bad or missing signature (from %s, %d bytes)",
            _client_ip(request),
            len(body),
        )
        return HttpResponse("invalid signature", status=401, content_type="text/plain")
    try:
        envelope = parse_envelope(body)
    except InvalidWebhook as exc:
        logger.warning("webhook rejected: %s (from %s)", exc, _client_ip(request))
        return HttpResponse(f"bad request: {exc}", status=400, content_type="text/plain")
    event, created = store_webhook_event(envelope=envelope, body=body)
    if created:
        logger.info(
            "webhook %s %s stored (id %s)", envelope.event_type, envelope.event_id, event.pk
        )
    else:
        logger.info(
            "webhook %s %s is a duplicate; not stored again", envelope.event_type, envelope.event_id
        )
    return HttpResponse("ok", status=200, content_type="text/plain")
