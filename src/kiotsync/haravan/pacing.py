"""Leaky-bucket pacing for Haravan's per-shop rate limit.

Haravan keeps a bucket per shop: size 80, draining 4 calls per second; a call that would
overflow it is refused with 429. Every answer reports the level in
``X-Haravan-Api-Call-Limit: used/size``. :class:`LeakyBucketPacer` mirrors the bucket
locally: before each call it drains its estimate by the elapsed time and, if one more call
would exceed ``capacity - margin``, sleeps until it would not; after each answer it adopts
the server's level when that is higher (other processes or apps may share the shop's
bucket). Size and leak rate are parameters because benchmarks run a time-scaled emulator
(``time_scale=20`` → leak 80/s).

All callers for one shop must share one pacer: :func:`shop_pacer` returns the process-wide
instance for a shop id (thread-safe). A Redis-backed pacer can replace it by implementing
the two-method :class:`kiotsync.httpkit.pacing.Pacer` protocol.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from kiotsync.httpkit.pacing import PacerRegistry

__all__ = ["CALL_LIMIT_HEADER", "SHOP_PACERS", "LeakyBucketPacer", "parse_call_limit", "shop_pacer"]

CALL_LIMIT_HEADER = "X-Haravan-Api-Call-Limit"


def parse_call_limit(value: str | None) -> tuple[int, int] | None:
    """``"32/80"`` → ``(32, 80)``; ``None`` when absent or malformed."""
    if not value or "/" not in value:
        return None
    used, _, size = value.partition("/")
    try:
        return math.ceil(float(used.strip())), int(float(size.strip()))
    except ValueError:
        return None


class LeakyBucketPacer:
    def __init__(
        self,
        bucket_size: float = 80,
        leak_rate: float = 4.0,
        *,
        margin: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if bucket_size < 2 or leak_rate <= 0:
            raise ValueError("bucket_size must be >= 2 and leak_rate > 0")
        self.capacity = int(bucket_size)
        self.leak_per_s = float(leak_rate)
        self.margin = margin if margin is not None else max(1, round(self.capacity * 0.05))
        if self.margin >= self.capacity:
            raise ValueError("margin must be smaller than capacity")
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._level = 0.0
        self._t = clock()
        self.waited_s = 0.0
        self.calls = 0

    def _drain_locked(self, now: float) -> None:
        if now > self._t:
            self._level = max(0.0, self._level - (now - self._t) * self.leak_per_s)
            self._t = now

    @property
    def level(self) -> float:
        """Current estimate of the server's bucket level."""
        with self._lock:
            self._drain_locked(self._clock())
            return self._level

    def idle(self) -> bool:
        """The bucket has drained: a new pacer would behave the same (safe to drop)."""
        return self.level <= 0.0

    def wait_time(self) -> float:
        """Seconds until one more call fits under ``capacity - margin`` (0 if now)."""
        with self._lock:
            self._drain_locked(self._clock())
            return self._wait_locked()

    def _wait_locked(self, calls: int = 1) -> float:
        limit = self.capacity - self.margin
        excess = self._level + calls - limit
        return 0.0 if excess <= 0 else excess / self.leak_per_s

    def wait_for_room(self, calls: int) -> None:
        """Sleep until ``calls`` calls in a row would go through without waiting (a batch that
        would wait that long anyway lets more work gather meanwhile)."""
        with self._lock:
            self._drain_locked(self._clock())
            wait = self._wait_locked(calls)
        if wait > 0:
            self._sleep(wait)

    def acquire(self) -> Any:
        while True:
            with self._lock:
                self._drain_locked(self._clock())
                wait = self._wait_locked()
                if wait <= 0:
                    self._level += 1.0
                    self.calls += 1
                    return None
            self.waited_s += wait
            self._sleep(wait)

    def release(self, ticket: Any, response: httpx.Response | None) -> None:
        if response is None:
            return
        reported = parse_call_limit(response.headers.get(CALL_LIMIT_HEADER))
        with self._lock:
            self._drain_locked(self._clock())
            if reported is not None:
                used, size = reported
                if size >= 2 and size != self.capacity:
                    self.capacity = size
                    self.margin = min(self.margin, size - 1)
                self._level = max(self._level, float(used))
            if response.status_code == 429:
                self._level = max(self._level, float(self.capacity))

    def observe(self, level: float) -> None:
        """Adopt an externally known level (e.g. from a shared store)."""
        with self._lock:
            self._drain_locked(self._clock())
            self._level = max(self._level, level)


SHOP_PACERS: PacerRegistry[LeakyBucketPacer] = PacerRegistry()


def shop_pacer(shop_id: str | int, bucket_size: float = 80, leak_rate: float = 4.0) -> LeakyBucketPacer:
    """The process-wide pacer for one shop (created with these settings on first use)."""
    return SHOP_PACERS.get(str(shop_id), lambda: LeakyBucketPacer(bucket_size, leak_rate))
