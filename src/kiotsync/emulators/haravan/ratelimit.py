"""Leaky-bucket call limit per shop+app (digest §2.4), on the platform clock.

``level`` leaks at ``leak_rate`` per second; a call that would overflow ``bucket_size`` is
refused with ``Retry-After = (level + 1 - size) / leak``; the header shows ``ceil(level)/size``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass
class Verdict:
    allowed: bool
    header: str
    retry_after: float = 0.0


class LeakyBuckets:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[tuple[int, str], tuple[float, float]] = {}

    def hit(self, key: tuple[int, str], now: float, size: int, leak: float, enabled: bool = True) -> Verdict:
        with self._lock:
            level, last = self._state.get(key, (0.0, now))
            level = max(0.0, level - leak * max(0.0, now - last))
            if enabled and level + 1 > size:
                self._state[key] = (level, now)
                retry = round((level + 1 - size) / leak, 3)
                return Verdict(False, f"{size}/{size}", max(retry, 0.001))
            level += 1
            self._state[key] = (level, now)
            return Verdict(True, f"{min(size, math.ceil(level - 1e-9))}/{size}")

    def clear(self) -> None:
        with self._lock:
            self._state.clear()
