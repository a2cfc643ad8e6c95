"""``python -m tango_sim --port 8100 [--host 127.0.0.1] [--data PATH]``.

Environment (CLI flags win): TANGO_SIM_DATA, TANGO_SIM_PLATFORM_NAME, TANGO_SIM_PLATFORM_KEY,
TANGO_SIM_ORDER_TPS, TANGO_SIM_WEBHOOK_URL, TANGO_SIM_WEBHOOK_SECRET, TANGO_SIM_FAULTS,
TANGO_SIM_CREATE_LATENCY_MS, TANGO_SIM_RESEND_NONE_ALLOWED, TANGO_SIM_MAX_RESULT_WINDOW,
TANGO_SIM_WEBHOOK_LIFETIME_DAYS, TANGO_SIM_ACTION_WINDOW_DAYS, TANGO_SIM_ACTION_WINDOWS,
TANGO_SIM_ASYNC_MAX_LINE_ITEMS.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .app import Simulator
from .config import ConfigError, Settings
from .server import make_server


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tango_sim", description=__doc__)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--host", default="127.0.0.1", help="default: loopback only")
    parser.add_argument("--data", type=Path, default=None, help="SQLite file (TANGO_SIM_DATA)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"tango_sim: bad configuration: {exc}", file=sys.stderr)
        return 2
    settings.host, settings.port = args.host, args.port
    if args.data is not None:
        settings.data_path = args.data
    sim = Simulator(settings)
    sim.start()
    server = make_server(sim, settings.host, settings.port)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print(
        f"tango_sim listening on http://{host}:{port}/raas/v2 (admin /__sim),"
        f" data={settings.data_path}",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
