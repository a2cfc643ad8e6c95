"""Startup settings (CLI + environment) and the mutable runtime config (``/__sim/config``)."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATA = "var/tango_sim.sqlite3"

# Runtime config keys, their defaults and how to coerce a JSON/env value.
RUNTIME_DEFAULTS: dict[str, Any] = {
    "order_tps": 1.0,  # POST /orders token bucket; 0 = unlimited
    "faults": {},  # see faults.py
    "create_latency_ms": 0,  # sleep inside order creation after reserving externalRefID
    "resend_none_allowed": False,  # may deliveryMethod=NONE orders be resent?
    "webhook_url": None,  # default webhook subscription (all categories)
    "webhook_secret": None,  # base64 HMAC key for the default subscription
    "max_result_window": 10_000,  # GET /orders: page*size+size beyond this -> 400.021
    "resend_throttle_seconds": 30,  # simulated seconds between resends of one reward
    "webhook_retries": 3,  # delivery attempts after the first one
    "webhook_backoff_seconds": 0.5,  # real seconds, doubled per retry
    "webhook_lifetime_days": 365.0,  # subscription expiry (create / renew); simulated days
    "action_window_days": 5,  # cancel / freeze / reissue window, calendar days after issue
    "action_windows": {},  # per program: {"<account or customer identifier>": days}
    "async_max_line_items": 1000,  # POST /asyncOrders: line items per request (after quantity)
}


class ConfigError(ValueError):
    pass


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _as_faults(value: Any) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"faults is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ConfigError("faults must be a JSON object")
    rates = value.get("rates", {})
    if not isinstance(rates, dict):
        raise ConfigError("faults.rates must be an object")
    allowed = {"500", "503", "429", "timeout", "lost_response"}
    for key, rate in rates.items():
        if str(key) not in allowed:
            raise ConfigError(f"unknown fault {key!r}; use one of {sorted(allowed)}")
        if not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise ConfigError(f"fault rate for {key} must be between 0 and 1")
    return value


def _as_secret(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("webhook_secret must be base64") from exc
    return str(value)


def _as_windows(value: Any) -> dict[str, int]:
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"action_windows is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ConfigError("action_windows must be an object {program: days}")
    windows: dict[str, int] = {}
    for program, days in value.items():
        if isinstance(days, bool) or not isinstance(days, int | float) or days < 0:
            raise ConfigError(f"action_windows[{program!r}] must be a number of days >= 0")
        windows[str(program)] = int(days)
    return windows


def coerce(key: str, value: Any) -> Any:
    """Validate and convert one runtime config value."""
    if key not in RUNTIME_DEFAULTS:
        raise ConfigError(f"unknown config key {key!r}")
    try:
        if key in {"order_tps", "webhook_backoff_seconds", "webhook_lifetime_days"}:
            number = float(value)
            if key == "webhook_lifetime_days" and number <= 0:
                raise ConfigError(f"{key} must be > 0")
            if number < 0:
                raise ConfigError(f"{key} must be >= 0")
            return number
        if key in {
            "create_latency_ms",
            "max_result_window",
            "resend_throttle_seconds",
            "webhook_retries",
            "action_window_days",
            "async_max_line_items",
        }:
            number = int(value)
            least = 1 if key == "async_max_line_items" else 0
            if number < least:
                raise ConfigError(f"{key} must be >= {least}")
            return number
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{key} must be a number") from exc
    if key == "resend_none_allowed":
        return _as_bool(value)
    if key == "faults":
        return _as_faults(value)
    if key == "action_windows":
        return _as_windows(value)
    if key == "webhook_secret":
        return _as_secret(value)
    if key == "webhook_url":
        return str(value) if value else None
    return value


@dataclass
class Settings:
    """Fixed for the life of the process."""

    host: str = "127.0.0.1"
    port: int = 8100
    data_path: Path = field(default_factory=lambda: Path(DEFAULT_DATA))
    platform_name: str = "rewardsops-demo"
    platform_key: str = "demo-platform-key"
    initial: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(RUNTIME_DEFAULTS))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        initial = copy.deepcopy(RUNTIME_DEFAULTS)
        env_keys = {
            "TANGO_SIM_ORDER_TPS": "order_tps",
            "TANGO_SIM_FAULTS": "faults",
            "TANGO_SIM_WEBHOOK_URL": "webhook_url",
            "TANGO_SIM_WEBHOOK_SECRET": "webhook_secret",
            "TANGO_SIM_CREATE_LATENCY_MS": "create_latency_ms",
            "TANGO_SIM_RESEND_NONE_ALLOWED": "resend_none_allowed",
            "TANGO_SIM_MAX_RESULT_WINDOW": "max_result_window",
            "TANGO_SIM_WEBHOOK_LIFETIME_DAYS": "webhook_lifetime_days",
            "TANGO_SIM_ACTION_WINDOW_DAYS": "action_window_days",
            "TANGO_SIM_ACTION_WINDOWS": "action_windows",
            "TANGO_SIM_ASYNC_MAX_LINE_ITEMS": "async_max_line_items",
        }
        for env_key, key in env_keys.items():
            if env.get(env_key) not in (None, ""):
                initial[key] = coerce(key, env[env_key])
        return cls(
            data_path=Path(env.get("TANGO_SIM_DATA") or DEFAULT_DATA),
            platform_name=env.get("TANGO_SIM_PLATFORM_NAME") or "rewardsops-demo",
            platform_key=env.get("TANGO_SIM_PLATFORM_KEY") or "demo-platform-key",
            initial=initial,
        )


class RuntimeConfig:
    """Mutable config; not persisted (restart or reset restores the startup values)."""

    def __init__(self, initial: Mapping[str, Any]) -> None:
        self._initial = copy.deepcopy(dict(initial))
        self.values: dict[str, Any] = copy.deepcopy(self._initial)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def update(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        coerced = {key: coerce(key, value) for key, value in changes.items()}
        self.values.update(coerced)
        return coerced

    def restore(self) -> None:
        self.values = copy.deepcopy(self._initial)

    def public(self) -> dict[str, Any]:
        shown = copy.deepcopy(self.values)
        if shown.get("webhook_secret"):
            shown["webhook_secret"] = "***"  # noqa: S105 - a mask
        return shown
