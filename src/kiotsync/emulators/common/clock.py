"""A platform clock that can run faster than real time.

``time_scale`` compresses every clock-based rule (rate-limit windows, token expiry, webhook
retry back-off): with ``time_scale=60`` one real second is one platform minute. ``advance``
jumps platform time forward (tests use it to expire tokens or drain buckets instantly).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    def __init__(self, time_scale: float = 1.0, start: float | None = None) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self._lock = threading.Lock()
        self._scale = float(time_scale)
        self._real0 = time.monotonic()
        self._virt0 = time.time() if start is None else float(start)

    @property
    def time_scale(self) -> float:
        return self._scale

    def set_time_scale(self, time_scale: float) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        with self._lock:
            now = self._now_locked()
            self._real0 = time.monotonic()
            self._virt0 = now
            self._scale = float(time_scale)

    def _now_locked(self) -> float:
        return self._virt0 + (time.monotonic() - self._real0) * self._scale

    def time(self) -> float:
        """Platform time as epoch seconds."""
        with self._lock:
            return self._now_locked()

    def now(self) -> datetime:
        """Platform time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._virt0 += float(seconds)

    def real_seconds(self, platform_seconds: float) -> float:
        """How long ``platform_seconds`` of platform time last in real time."""
        return max(0.0, platform_seconds) / self._scale

    def sleep(self, platform_seconds: float) -> None:
        time.sleep(self.real_seconds(platform_seconds))
