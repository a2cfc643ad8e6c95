"""Test support for code that talks to Tango: the one fake client and Tango-shaped JSON.

`FakeTango` is the in-memory Tango every test uses; tests/conftest.py's `fake_tango` fixture
installs a fresh one through `tango.client.install_client` and resets it afterwards. The real
client's HTTP behaviour is tested with `responses` (payloads.py's canned bodies) and against
the simulator (tests/tango/).
"""

from .fake import CREATED_AT, REWARD, T0, WINDOW, FakeTango
from .payloads import iso, tango_line_json, tango_order_json

__all__ = [
    "CREATED_AT",
    "REWARD",
    "T0",
    "WINDOW",
    "FakeTango",
    "iso",
    "tango_line_json",
    "tango_order_json",
]
