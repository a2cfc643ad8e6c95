"""The real client's webhook-subscription calls: paths, query and parsing (TANGO_API.md §13.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import responses

from tango.client import get_client
from tests.conftest import HTTP_TANGO_URL

HOOK = f"{HTTP_TANGO_URL}/webhooks/wh%201"


def test_get_renew_and_replay(http_tango):
    http_tango.add(
        responses.GET,
        HOOK,
        json={"webhookId": "wh 1", "url": "https://x/", "expiresAt": "2026-12-31T00:00:00Z"},
    )
    http_tango.add(
        responses.POST,
        f"{HOOK}/renew",
        json={"webhookId": "wh 1", "expiresAt": "2027-01-30T00:00:00Z"},
    )
    http_tango.add(
        responses.POST,
        f"{HOOK}/replay",
        match=[responses.matchers.query_param_matcher({"fromRevision": "3", "toRevision": "4"})],
        json={"webhookId": "wh 1", "fromRevision": 3, "toRevision": 4, "numberOfEvents": 2},
    )
    client = get_client()
    hook = client.get_webhook("wh 1")
    assert (hook.url, hook.expires_at) == ("https://x/", datetime(2026, 12, 31, tzinfo=UTC))
    assert client.renew_webhook("wh 1").expires_at == datetime(2027, 1, 30, tzinfo=UTC)
    replay = client.replay_webhook_events("wh 1", from_revision=3, to_revision=4)
    assert (replay.from_revision, replay.to_revision, replay.number_of_events) == (3, 4, 2)
