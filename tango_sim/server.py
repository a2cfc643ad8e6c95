"""HTTP layer: ThreadingHTTPServer, Basic auth, fault injection, the POST /orders rate limit,
the error envelope, the ``X-REQUEST-ID`` header and one log line per request."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import socket
import sys
import time
import traceback
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import errors as E
from .admin import ADMIN_ROUTES
from .app import Simulator
from .errors import ApiError, envelope, new_request_id
from .routes import ROUTES, Request, Route, match

CONTRACT_PREFIX = "/raas/v2"
ADMIN_PREFIX = "/__sim"
MAX_BODY = 10 * 1024 * 1024


class LostResponse(Exception):
    """Close the connection without answering (lost_response_mode = "close")."""


def _check_auth(sim: Simulator, header: str | None) -> None:
    if not header or not header.lower().startswith("basic "):
        raise ApiError(401, E.MISSING_AUTH, "Full authentication is required (HTTP Basic)")
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        name, _, key = decoded.partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ApiError(401, E.BAD_AUTH, "Bad credentials") from exc
    ok_name = hmac.compare_digest(name.encode(), sim.settings.platform_name.encode())
    ok_key = hmac.compare_digest(key.encode(), sim.settings.platform_key.encode())
    if not (ok_name and ok_key):
        raise ApiError(401, E.BAD_AUTH, "Bad credentials")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TangoSim/1.0"
    disable_nagle_algorithm = True  # headers and body are two writes; avoid 40 ms ACK stalls
    sim: Simulator  # set on the subclass built by make_server

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request is written by _handle

    # -------------------------------------------------------------------------------------

    def _handle(self) -> None:
        started = time.monotonic()
        request_id = new_request_id()
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        status = 500
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise ApiError(413, "413.001", "Request body too large")
            body = self.rfile.read(length) if length > 0 else b""
            req = Request(self.command, path, parse_qs(split.query, keep_blank_values=True), body)
            status, payload = self._dispatch(req)
            self._send(status, payload, request_id)
        except LostResponse:
            status = 0
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        except ApiError as err:
            status = err.http_code
            body = envelope(err, path=path, request_id=request_id, now=self._sim_now())
            self._send(status, body, request_id)
        except (BrokenPipeError, ConnectionResetError):
            status = 499
        except Exception:
            traceback.print_exc(file=sys.stderr)
            status = 500
            err = ApiError(500, E.INTERNAL, "Internal server error")
            with contextlib.suppress(OSError):
                self._send(500, envelope(err, path=path, request_id=request_id), request_id)
        finally:
            if path.startswith(CONTRACT_PREFIX):
                self.sim.stats.incr(f"responses_{status}")
            elapsed = (time.monotonic() - started) * 1000
            sys.stderr.write(f"{self.command} {path} {status} {elapsed:.1f}ms {request_id}\n")

    def _sim_now(self) -> datetime | None:
        try:
            return datetime.fromtimestamp(self.sim.store.now_us() / 1_000_000, tz=UTC)
        except Exception:  # the clock itself failed: fall back to real time
            return None

    def _dispatch(self, req: Request) -> tuple[int, Any]:
        sim = self.sim
        if req.path.startswith(ADMIN_PREFIX):
            req.path = req.path[len(ADMIN_PREFIX) :] or "/"
            return self._run(ADMIN_ROUTES, req)
        if not req.path.startswith(CONTRACT_PREFIX):
            raise ApiError(404, "404.001", f"No resource at {req.path}")
        full_path = req.path
        req.path = req.path[len(CONTRACT_PREFIX) :] or "/"
        _check_auth(sim, self.headers.get("Authorization"))
        accept = self.headers.get("Accept")
        if accept and not any(t in accept for t in ("application/json", "*/*", "application/*")):
            raise ApiError(406, "406.001", "Only application/json responses are available")
        # POST /asyncOrders shares the order-creation rate limit (TANGO_API.md section 10).
        is_post_orders = req.method == "POST" and req.path in ("/orders", "/asyncOrders")
        if is_post_orders:
            sim.stats.incr("posts_orders" if req.path == "/orders" else "posts_async_orders")
        faults = sim.config["faults"] or {}
        fault = sim.faults.decide(faults, req.method, full_path)
        if fault is not None:
            sim.stats.incr(f"fault_{fault}")
        if fault == "500":
            raise ApiError(500, E.INTERNAL, "Internal server error (injected)")
        if fault == "503":
            raise ApiError(503, E.UNAVAILABLE, "Service unavailable, retry later (injected)")
        if fault == "429":
            raise ApiError(429, E.RATE_LIMITED, "Too many requests (injected)")
        if fault == "timeout":
            time.sleep(float(faults.get("timeout_seconds", 20)))
        if is_post_orders and not sim.limiter.take(float(sim.config["order_tps"])):
            raise ApiError(
                429,
                E.RATE_LIMITED,
                f"Too many requests: {sim.config['order_tps']} TPS threshold reached",
                tokens=[str(sim.config["order_tps"])],
            )
        result = self._run(ROUTES, req)
        if fault == "lost_response":
            if faults.get("lost_response_mode") == "close":
                raise LostResponse
            raise ApiError(500, E.INTERNAL, "Internal server error (injected after commit)")
        return result

    def _run(self, routes: list[Route], req: Request) -> tuple[int, Any]:
        found, params, exists = match(routes, req.method, req.path)
        if found is None:
            if exists:
                raise ApiError(405, "405.001", f"Method {req.method} not allowed")
            raise ApiError(404, "404.001", f"No resource at {req.path}")
        req.params = params
        if found.tx:
            with self.sim.store.transaction():
                result = found.handler(self.sim, req)
        else:
            result = found.handler(self.sim, req)
        if isinstance(result, tuple):
            return result
        return 200, result

    def _send(self, status: int, payload: Any, request_id: str) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-REQUEST-ID", request_id)
        self.end_headers()
        self.wfile.write(data)


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(sim: Simulator, host: str, port: int) -> SimServer:
    handler = type("BoundHandler", (Handler,), {"sim": sim})
    return SimServer((host, port), handler)
