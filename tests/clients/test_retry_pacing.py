"""Retry decisions and pacer arithmetic (pure, with a fake clock)."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from kiotsync.haravan.pacing import LeakyBucketPacer, parse_call_limit, shop_pacer
from kiotsync.httpkit import (
    AuthError,
    NotFoundError,
    RateLimitedError,
    RetryPolicy,
    SlidingWindowPacer,
    TransientError,
    ValidationError,
    parse_retry_after,
)

from .fakeclock import FakeClock

KW: dict[str, Any] = {"platform": "test"}


def test_only_transient_and_429_are_retried() -> None:
    policy = RetryPolicy(max_attempts=5)
    assert policy.delay_for(NotFoundError("x", status=404, **KW), 1, True) is None
    assert policy.delay_for(ValidationError("x", status=422, **KW), 1, True) is None
    assert policy.delay_for(AuthError("x", status=401, **KW), 1, True) is None
    assert policy.delay_for(TransientError("x", status=500, maybe_committed=True, **KW), 1, True) is not None
    assert policy.delay_for(RateLimitedError("x", status=429, **KW), 1, True) is not None


def test_non_idempotent_calls_retry_only_when_not_processed() -> None:
    policy = RetryPolicy(max_attempts=5)
    committed_504 = TransientError("x", status=504, maybe_committed=True, **KW)
    timeout = TransientError("x", status=None, maybe_committed=True, **KW)
    connect = TransientError("x", status=None, maybe_committed=False, **KW)
    unavailable = TransientError("x", status=503, maybe_committed=False, **KW)
    assert policy.delay_for(committed_504, 1, idempotent=False) is None
    assert policy.delay_for(timeout, 1, idempotent=False) is None
    assert policy.delay_for(connect, 1, idempotent=False) is not None
    assert policy.delay_for(unavailable, 1, idempotent=False) is not None
    assert policy.delay_for(RateLimitedError("x", status=429, **KW), 1, idempotent=False) is not None
    assert policy.delay_for(committed_504, 1, idempotent=True) is not None


def test_backoff_is_capped_full_jitter_and_retry_after_wins() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=8.0, max_retry_after=30)
    rng = random.Random(7)
    for attempt in range(1, 10):
        delays = [policy.backoff(attempt, rng) for _ in range(200)]
        ceiling = min(8.0, 2 ** (attempt - 1))
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter really spans the range
    limited = RateLimitedError("x", status=429, retry_after=2.5, **KW)
    assert policy.delay_for(limited, 1, True) == 2.5
    assert (
        policy.delay_for(RateLimitedError("x", retry_after=31, **KW), 1, True) is None
    )  # too long: reschedule
    assert policy.delay_for(limited, 10, True) is None  # attempts exhausted


def test_retry_after_parsing() -> None:
    assert parse_retry_after("2.0") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=lambda: 1445412480.0) == pytest.approx(10.0)
    assert parse_retry_after("soon") is None


def test_sliding_window_waits_for_the_oldest_call() -> None:
    clock = FakeClock()
    pacer = SlidingWindowPacer(limit=3, window_s=60, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        pacer.release(pacer.acquire(), None)
        clock.now += 1
    assert clock.slept == []
    start = clock.now  # calls finished at t=1000, 1001, 1002; now 1003
    pacer.release(pacer.acquire(), None)
    assert clock.now == pytest.approx(1060) and clock.now - start == pytest.approx(57)
    assert pacer.used() == 3


def test_sliding_window_counts_in_flight_calls() -> None:
    clock = FakeClock()
    pacer = SlidingWindowPacer(limit=2, window_s=10, clock=clock, sleep=clock.sleep)
    pacer.acquire()
    pacer.acquire()
    assert pacer.used() == 2
    with pytest.raises(ValueError):
        SlidingWindowPacer(limit=0)


def _answer(level: int, size: int = 80, status: int = 200) -> httpx.Response:
    return httpx.Response(status, headers={"X-Haravan-Api-Call-Limit": f"{level}/{size}"})


def test_leaky_bucket_bursts_then_paces_at_the_leak_rate() -> None:
    clock = FakeClock()
    pacer = LeakyBucketPacer(80, 4.0, margin=4, clock=clock, sleep=clock.sleep)
    for _ in range(76):
        pacer.acquire()
    assert clock.slept == []  # the first 76 (80 - margin) go at once
    start = clock.now
    for _ in range(40):
        pacer.acquire()
    assert clock.now - start == pytest.approx(40 / 4.0, rel=0.01)  # then 4 per second
    assert pacer.level <= 76


def test_leaky_bucket_adopts_a_higher_server_level() -> None:
    clock = FakeClock()
    pacer = LeakyBucketPacer(80, 4.0, margin=4, clock=clock, sleep=clock.sleep)
    pacer.release(pacer.acquire(), _answer(78))  # another app is using the shop's bucket
    assert pacer.level == pytest.approx(78)
    assert pacer.wait_time() == pytest.approx((78 + 1 - 76) / 4.0)
    pacer.release(None, _answer(10))  # a lower report never lowers the estimate
    assert pacer.level == pytest.approx(78)
    clock.now += 5
    assert pacer.level == pytest.approx(58)
    pacer.release(None, _answer(80, status=429))
    assert pacer.level == pytest.approx(80)


def test_leaky_bucket_header_and_registry() -> None:
    assert parse_call_limit("32/80") == (32, 80)
    assert parse_call_limit("1.5/40") == (2, 40)
    assert parse_call_limit(None) is None and parse_call_limit("x") is None
    clock = FakeClock()
    pacer = LeakyBucketPacer(80, 4.0, clock=clock, sleep=clock.sleep)
    pacer.release(None, _answer(3, size=40))  # the server's bucket size wins
    assert pacer.capacity == 40
    assert shop_pacer("shop-a") is shop_pacer("shop-a") and shop_pacer("shop-a") is not shop_pacer("shop-b")


def test_the_pacer_registry_keeps_busy_shops_and_drops_idle_ones_past_its_size() -> None:
    """Issue 11 (memory flat in the number of shops): past its size the registry drops the least
    recently asked-for pacers whose bucket has drained; a shop still paying its bucket keeps it."""
    from kiotsync.haravan.pacing import LeakyBucketPacer
    from kiotsync.httpkit.pacing import PacerRegistry

    now = [0.0]
    registry: PacerRegistry[LeakyBucketPacer] = PacerRegistry(size=3)

    def make() -> LeakyBucketPacer:
        return LeakyBucketPacer(10, 1.0, clock=lambda: now[0], sleep=lambda s: None)

    busy = registry.get("busy", make)
    for _ in range(5):
        busy.acquire()  # its bucket holds 5 calls, draining at 1 a second
    for shop in ("a", "b", "c", "d"):
        registry.get(shop, make)  # idle shops: nothing in their buckets
    assert len(registry) == 3
    assert registry.get("busy", make) is busy  # not dropped: dropping it would forget 5 calls
    now[0] += 60  # a minute later every bucket has drained
    for shop in ("e", "f", "g"):
        registry.get(shop, make)
    assert len(registry) == 3 and registry.get("busy", make) is not busy
