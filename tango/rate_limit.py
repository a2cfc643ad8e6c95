"""Pacing of POST /orders across every worker process (Tango asks for 1 TPS, TANGO_API.md §12).

The limiter hands out *slots*: each caller atomically reserves the next free instant
(`max(now, next_free)`) and moves `next_free` one interval on, then sleeps until its slot. Two
workers waiting at the same moment therefore get distinct slots one interval apart, instead of
both waking up and colliding as they would with a "try, sleep, retry" token bucket.

A slot is a plan; a process can wake up late (CPU contention, a GC pause) and then send right
before the next process's slot. So just before sending, each caller also *stamps* the send:
it waits until at least `min_gap` after the previous actual send, and records its own. The
gap is a little shorter than the slot interval so that a late sender's delay fades out over
the next few slots instead of pushing every later send back for good.

* `RedisRateLimiter`: the reservation is one Lua script, so it is atomic across processes and
  hosts. Without an injected clock it reads Redis's own `TIME`, so hosts with skewed clocks
  still share one timeline.
* `MemoryRateLimiter`: a lock and a float, for the embedded mode (REDIS_URL empty), where the
  only worker runs `--pool threads` in one process (Procfile), so a process-local limiter is
  the whole truth.

Only POST /orders is paced; Tango's 1 TPS guidance is about creating orders, so the GET
lookups a retry makes first are not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

from django.conf import settings

Clock = Callable[[], float]

# Pace this much below the configured rate: Tango's bucket counts arrivals, and a request
# reaches it a few milliseconds after our stamp (request building, network). 3 % keeps
# throughput at 0.97 x the rate; sends are stamped at least 1.5 % apart (15 ms at 1 TPS).
DEFAULT_HEADROOM = 0.03

# Reserve the next free slot. KEYS[1] = the "next free slot" key (microseconds since the
# epoch), ARGV[1] = now in microseconds or "" to use Redis's clock, ARGV[2] = interval in
# microseconds. Returns how many microseconds the caller must wait for its slot.
_RESERVE_SCRIPT = """
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local interval = tonumber(ARGV[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
local ttl_ms = math.floor((slot + interval - now) / 1000) + 60000
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', ttl_ms)
return string.format('%.0f', slot - now)
"""


class SlotLimiter(Protocol):
    def reserve(self, interval: float) -> float:
        """Reserve the next free slot `interval` seconds after the previous one.

        Returns the number of seconds the caller must wait before using it (0 = now).
        """
        ...

    def stamp(self, min_gap: float) -> float:
        """Record a send `min_gap` after the previous send; returns the seconds to wait first."""
        ...


class MemoryRateLimiter:
    """Process-local slots (threads share it; other processes do not)."""

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._next = {"slot": float("-inf"), "send": float("-inf")}

    def _take(self, key: str, gap: float) -> float:
        with self._lock:
            now = self._clock()
            at = max(now, self._next[key])
            self._next[key] = at + gap
            return at - now

    def reserve(self, interval: float) -> float:
        return self._take("slot", interval)

    def stamp(self, min_gap: float) -> float:
        return self._take("send", min_gap)


class RedisRateLimiter:
    """Slots shared by every process that uses the same Redis key."""

    def __init__(self, *, client: object, key: str, clock: Clock | None = None) -> None:
        self._key = key
        self._clock = clock
        # register_script caches the SHA and falls back to EVAL after a Redis restart.
        self._script = client.register_script(_RESERVE_SCRIPT)  # type: ignore[attr-defined]

    @property
    def key(self) -> str:
        return self._key

    def _take(self, key: str, gap: float) -> float:
        now = "" if self._clock is None else str(round(self._clock() * 1_000_000))
        wait_us = self._script(keys=[key], args=[now, round(gap * 1_000_000)])
        return int(wait_us) / 1_000_000

    def reserve(self, interval: float) -> float:
        return self._take(self._key, interval)

    def stamp(self, min_gap: float) -> float:
        # Same arithmetic on a second key: "next free slot" there means "earliest next send".
        return self._take(f"{self._key}:send", min_gap)


def order_interval(rate: float | None = None, headroom: float | None = None) -> float:
    """Seconds between two POST /orders; 0 when pacing is off (rate <= 0)."""
    rate = float(settings.TANGO_ORDER_RATE if rate is None else rate)
    if rate <= 0:
        return 0.0
    if headroom is None:
        headroom = float(getattr(settings, "TANGO_ORDER_RATE_HEADROOM", DEFAULT_HEADROOM))
    return (1.0 + headroom) / rate


def order_rate_key() -> str:
    # Tango's limit is per platform, so installs sharing a platform and a Redis share the key.
    return f"rewardsops:tango:{settings.TANGO_PLATFORM_NAME}:post-orders:next-slot"


@lru_cache(maxsize=4)
def _limiter_for(redis_url: str, key: str) -> SlotLimiter:
    if not redis_url:
        return MemoryRateLimiter()
    import redis  # only with REDIS_URL: the embedded mode runs without a Redis client

    return RedisRateLimiter(client=redis.Redis.from_url(redis_url), key=key)


def get_order_rate_limiter() -> SlotLimiter:
    """The limiter for POST /orders in this process (Redis when REDIS_URL is set)."""
    return _limiter_for(settings.REDIS_URL or "", order_rate_key())


def reset_order_rate_limiter() -> None:
    """Forget the cached limiter (tests that change REDIS_URL or the platform name)."""
    _limiter_for.cache_clear()


def wait_for_order_slot(
    *, limiter: SlotLimiter | None = None, sleep: Callable[[float], None] = time.sleep
) -> float:
    """Block until this process may send one POST /orders; returns the seconds waited.

    Call it immediately before the request: the stamp is the send time the next caller
    spaces itself from.
    """
    interval = order_interval()
    if interval <= 0:
        return 0.0
    limiter = limiter or get_order_rate_limiter()
    waited = 0.0
    wait = limiter.reserve(interval)
    if wait > 0:
        sleep(wait)
        waited += wait
    # Half the headroom: still above 1/rate, so sends never come closer than Tango allows.
    min_gap = (1.0 / float(settings.TANGO_ORDER_RATE) + interval) / 2
    wait = limiter.stamp(min_gap)
    if wait > 0:
        sleep(wait)
        waited += wait
    return waited
