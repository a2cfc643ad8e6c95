"""One simulator process for the whole tango_sim test module; state is reset per test."""

from __future__ import annotations

from collections.abc import Iterator
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
