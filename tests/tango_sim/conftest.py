"""One simulator process for the whole tango_sim test module; state is reset per test."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tango_sim.testing import SimulatorHandle, simulator_session


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorHandle]:
    yield from simulator_session(tmp_path_factory, TANGO_SIM_ORDER_TPS="0")


class Api:
    """A tiny Basic-auth client for the contract endpoints."""

    def __init__(self, sim: SimulatorHandle) -> None:
        self.sim = sim
        self.session = requests.Session()
        self.session.auth = sim.auth

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, f"{self.sim.base_url}{path}", **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def order(self, amount: float = 25, utid: str = "U100001", **fields: Any) -> requests.Response:
        body: dict[str, Any] = {
            "customerIdentifier": "acme-main",
            "accountIdentifier": "acme-usd-01",
            "utid": utid,
            "amount": amount,
            "deliveryMethod": "EMAIL",
            "recipient": {"firstName": "Jane", "lastName": "Doe", "email": "jane@example.com"},
        }
        body.update(fields)
        return self.post("/orders", json=body)

    def placed(self, amount: float = 25, utid: str = "U100001", **fields: Any) -> dict[str, Any]:
        response = self.order(amount, utid, **fields)
        assert response.status_code == 201, response.text
        return response.json()

    def line(self, ref: str) -> dict[str, Any]:
        response = self.get(f"/lineItems/{ref}")
        assert response.status_code == 200, response.text
        return response.json()

    def balance(self, account: str = "acme-usd-01") -> float:
        return self.get(f"/accounts/{account}").json()["currentBalance"]


ADDRESS = {
    "streetLine1": "1 Main St",
    "city": "Springfield",
    "stateOrProvince": "IL",
    "postalCode": "62701",
    "country": "US",
}


@pytest.fixture
def api(sim: SimulatorHandle) -> Iterator[Api]:
    sim.reset()
    client = Api(sim)
    yield client
    client.session.close()


ENVELOPE_KEYS = {"timestamp", "requestId", "path", "httpCode", "httpPhrase", "i18nKey", "message"}


def assert_error(response: requests.Response, status: int, key: str | None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body.keys() >= ENVELOPE_KEYS
    assert body["httpCode"] == status
    assert response.headers["X-REQUEST-ID"] == body["requestId"]
    if key is not None:
        assert body["i18nKey"] == key
    return body


def async_body(ref: str, amounts: list[float]) -> dict[str, Any]:
    return {
        "externalRefID": ref,
        "customerIdentifier": "acme-main",
        "accountIdentifier": "acme-usd-01",
        "lineItems": [
            {
                "externalRefLineItemID": f"{ref}-{i}",
                "utid": "U100001",
                "amount": amount,
                "deliveryMethod": "EMAIL",
                "recipient": {"firstName": "A", "email": f"a{i}@example.com"},
            }
            for i, amount in enumerate(amounts)
        ],
    }


SECRET = base64.b64encode(b"sixteen-byte-key-for-tests").decode()


class Receiver:
    """A tiny local webhook endpoint that records (headers, raw body) of every POST."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = 0
        outer = self

        class Handle(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if outer.fail_first > 0:
                    outer.fail_first -= 1
                    self.send_response(503)
                else:
                    outer.received.append((dict(self.headers.items()), body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        bodies = [json.loads(body) for _, body in self.received]
        return [b for b in bodies if event_type is None or b["eventType"] == event_type]

    def wait_for(self, event_type: str, count: int = 1, timeout: float = 10) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.events(event_type)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {event_type} webhook; got {self.events()}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()
