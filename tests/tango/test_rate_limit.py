"""The POST /orders pacer (tango/rate_limit.py).

Slot arithmetic is asserted with an injected clock, never with wall-clock timings. The Redis
tests use a real Redis (skipped when none is reachable) and only touch their own key.
"""

from __future__ import annotations

import threading
import uuid

import pytest

from tango import rate_limit
from tango.rate_limit import (
    MemoryRateLimiter,
    RedisRateLimiter,
    order_interval,
    wait_for_order_slot,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    yield client
    client.close()


@pytest.fixture
def redis_key(redis_client):
    key = f"test:rewardsops:ratelimit:{uuid.uuid4().hex}"
    yield key
    redis_client.delete(key, f"{key}:send")  # only our own keys; never FLUSHDB a shared Redis


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_waiting_callers_get_consecutive_distinct_slots(request, kind):
    clock = FakeClock()
    if kind == "redis":
        limiter = RedisRateLimiter(
            client=request.getfixturevalue("redis_client"),
            key=request.getfixturevalue("redis_key"),
            clock=clock,
        )
    else:
        limiter = MemoryRateLimiter(clock=clock)

    # Five callers at the same instant: slots 0, 1, 2, 3, 4 intervals away.
    assert [limiter.reserve(1.0) for _ in range(5)] == pytest.approx([0, 1, 2, 3, 4])
    # 2.5 s later the next free slot is at +5 s from the start: 2.5 s to wait.
    clock.now += 2.5
    assert limiter.reserve(1.0) == pytest.approx(2.5)
    # After an idle period nobody waits, and the idle time is not banked as a burst.
    clock.now += 60
    assert [limiter.reserve(1.0) for _ in range(2)] == pytest.approx([0, 1])


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_interval_follows_the_configured_rate_per_call(request, kind):
    clock = FakeClock()
    if kind == "redis":
        limiter = RedisRateLimiter(
            client=request.getfixturevalue("redis_client"),
            key=request.getfixturevalue("redis_key"),
            clock=clock,
        )
    else:
        limiter = MemoryRateLimiter(clock=clock)
    assert limiter.reserve(0.05) == 0
    assert limiter.reserve(0.05) == pytest.approx(0.05)
    assert limiter.reserve(2.0) == pytest.approx(0.10)
    assert limiter.reserve(2.0) == pytest.approx(2.10)


def test_redis_reservations_are_atomic_across_connections(redis_client, redis_key):
    redis = pytest.importorskip("redis")
    clock = FakeClock()
    callers = 16
    barrier = threading.Barrier(callers)
    waits: list[float] = []
    lock = threading.Lock()

    def reserve() -> None:
        # One connection per thread, like separate worker processes.
        client = redis.Redis.from_url(REDIS_URL)
        limiter = RedisRateLimiter(client=client, key=redis_key, clock=clock)
        barrier.wait()
        wait = limiter.reserve(0.5)
        with lock:
            waits.append(wait)
        client.close()

    threads = [threading.Thread(target=reserve) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([0.5 * i for i in range(callers)])


def test_redis_uses_its_own_clock_when_none_is_injected(redis_client, redis_key):
    limiter = RedisRateLimiter(client=redis_client, key=redis_key)
    first = limiter.reserve(30.0)
    second = limiter.reserve(30.0)
    assert first == 0
    assert 29.0 < second <= 30.0  # the few ms between the calls come off the wait
    ttl_ms = redis_client.pttl(redis_key)
    assert 60_000 < ttl_ms <= 121_000  # the key expires once nobody uses it
    assert limiter.stamp(30.0) == 0


def test_memory_limiter_is_thread_safe():
    clock = FakeClock()
    limiter = MemoryRateLimiter(clock=clock)
    waits: list[float] = []
    barrier = threading.Barrier(8)

    def reserve() -> None:
        barrier.wait()
        for _ in range(50):
            waits.append(limiter.reserve(0.1))

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == pytest.approx([0.1 * i for i in range(400)])


def test_order_interval_applies_headroom_and_zero_disables(settings):
    settings.TANGO_ORDER_RATE = 1
    assert order_interval() == pytest.approx(1.03)
    settings.TANGO_ORDER_RATE_HEADROOM = 0
    assert order_interval() == pytest.approx(1.0)
    assert order_interval(rate=20) == pytest.approx(0.05)
    settings.TANGO_ORDER_RATE = 0
    assert order_interval() == 0


def test_wait_for_order_slot_sleeps_for_the_reserved_slot(settings):
    settings.TANGO_ORDER_RATE = 2
    settings.TANGO_ORDER_RATE_HEADROOM = 0
    clock = FakeClock()
    limiter = MemoryRateLimiter(clock=clock)
    slept: list[float] = []
    sent: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    for _ in range(3):
        wait_for_order_slot(limiter=limiter, sleep=sleep)
        sent.append(clock.now)
    assert slept == pytest.approx([0.5, 0.5])  # the first caller goes at once
    assert sent == pytest.approx([1000.0, 1000.5, 1001.0])

    settings.TANGO_ORDER_RATE = 0
    assert wait_for_order_slot(limiter=limiter, sleep=sleep) == 0
    assert len(slept) == 2


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_a_late_sender_pushes_the_next_send_back(request, kind):
    clock = FakeClock(0.0)
    if kind == "redis":
        limiter = RedisRateLimiter(
            client=request.getfixturevalue("redis_client"),
            key=request.getfixturevalue("redis_key"),
            clock=clock,
        )
    else:
        limiter = MemoryRateLimiter(clock=clock)
    interval, min_gap = 1.04, 1.02
    assert limiter.reserve(interval) == 0 and limiter.stamp(min_gap) == 0  # A sends at 0
    assert limiter.reserve(interval) == pytest.approx(1.04)  # B's slot
    assert limiter.reserve(interval) == pytest.approx(2.08)  # C's slot
    clock.now = 1.34  # B wakes up 0.3 s late and sends at once
    assert limiter.stamp(min_gap) == 0
    clock.now = 2.08  # C is on time for its slot, but only 0.74 s after B's actual send
    assert limiter.stamp(min_gap) == pytest.approx(0.28)  # so it waits: sends at 2.36
    clock.now = 3.12  # D, reserved next, is on time and already more than min_gap after C
    assert limiter.reserve(interval) == 0
    assert limiter.stamp(min_gap) == pytest.approx(0.26)
    # The push-back fades: each send gains interval - min_gap = 0.02 s on the schedule.


def test_the_configured_backend_follows_redis_url(settings, redis_client):
    rate_limit.reset_order_rate_limiter()
    try:
        settings.REDIS_URL = ""
        assert isinstance(rate_limit.get_order_rate_limiter(), MemoryRateLimiter)
        settings.REDIS_URL = REDIS_URL
        settings.TANGO_PLATFORM_NAME = "acme-platform"
        limiter = rate_limit.get_order_rate_limiter()
        assert isinstance(limiter, RedisRateLimiter)
        assert limiter.key == "rewardsops:tango:acme-platform:post-orders:next-slot"
    finally:
        rate_limit.reset_order_rate_limiter()
