"""Client-side pacing: wait *before* a call so a platform's rate limit is never hit.

A pacer is consulted around every call: ``acquire()`` blocks until the call may go and
returns a ticket; ``release(ticket, response)`` reports how it went (``response`` is
``None`` when no answer arrived). Keeping this a two-method protocol lets a Redis-backed
pacer (shared by several worker processes) replace the in-process ones later.

:class:`SlidingWindowPacer` enforces "at most N calls per window" (KiotViet: 5,000 GETs an
hour). A call occupies its slot from the moment it is sent until ``window_s`` after its
answer arrived: the server counts it at arrival, which is after we sent it, so timing from
the answer is the conservative choice.

:class:`PacerRegistry` hands every caller for the same key (shop, retailer) the same pacer.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Generic, Protocol, TypeVar

import httpx

__all__ = ["URGENT", "NullPacer", "Pacer", "PacerRegistry", "SlidingWindowPacer", "urgent_calls"]

#: Set while calls serve an order (pushing it, reading its state): a shared budget lets them
#: spend its reserve (see ``kiotsync.bookkeeping.budget``).
URGENT: ContextVar[bool] = ContextVar("kiotsync_urgent_calls", default=False)


@contextmanager
def urgent_calls() -> Iterator[None]:
    token = URGENT.set(True)
    try:
        yield
    finally:
        URGENT.reset(token)


class Pacer(Protocol):
    def acquire(self) -> Any:
        """Block until one call may be sent; return a ticket for :meth:`release`."""
        ...

    def release(self, ticket: Any, response: httpx.Response | None) -> None:
        """The call holding ``ticket`` finished (``response`` is None on a network error)."""
        ...


class NullPacer:
    """No pacing (token endpoints, tests)."""

    def acquire(self) -> Any:
        return None

    def release(self, ticket: Any, response: httpx.Response | None) -> None:
        return None


class SlidingWindowPacer:
    """At most ``limit`` calls in any ``window_s`` seconds (thread-safe, blocking)."""

    def __init__(
        self,
        limit: int = 5000,
        window_s: float = 3600.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._done: deque[float] = deque()
        self._pending = 0
        self.waited_s = 0.0

    def _expire_locked(self, now: float) -> None:
        while self._done and self._done[0] + self.window_s <= now:
            self._done.popleft()

    def used(self) -> int:
        """Calls currently counted against the window (sent or in flight)."""
        with self._lock:
            self._expire_locked(self._clock())
            return len(self._done) + self._pending

    def acquire(self) -> Any:
        while True:
            with self._lock:
                now = self._clock()
                self._expire_locked(now)
                if len(self._done) + self._pending < self.limit:
                    self._pending += 1
                    return None
                wait = (self._done[0] + self.window_s - now) if self._done else 0.05
            wait = max(wait, 0.001)
            self.waited_s += wait
            self._sleep(wait)

    def release(self, ticket: Any, response: httpx.Response | None) -> None:
        with self._lock:
            self._pending = max(0, self._pending - 1)
            self._done.append(self._clock())


P = TypeVar("P")


class PacerRegistry(Generic[P]):
    """Process-wide map key → pacer, so every client for one shop shares one budget.

    Bounded (issue 11: no per-shop state kept forever): past ``size`` keys, the least recently
    asked-for pacers that are idle (``idle()`` true, or no such method: nothing to remember) are
    dropped; a dropped shop gets a fresh pacer next time, which behaves the same."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[str, P] = OrderedDict()

    def get(self, key: str, factory: Callable[[], P]) -> P:
        with self._lock:
            pacer = self._items.get(key)
            if pacer is None:
                pacer = factory()
                self._items[key] = pacer
                self._trim_locked()
            else:
                self._items.move_to_end(key)
            return pacer

    def _trim_locked(self) -> None:
        excess = len(self._items) - self.size
        if excess <= 0:
            return
        for key in list(self._items)[: excess * 2]:
            idle = getattr(self._items[key], "idle", None)
            if idle is None or idle():
                del self._items[key]
                excess -= 1
                if excess <= 0:
                    return

    def __len__(self) -> int:
        return len(self._items)

    def put(self, key: str, pacer: P) -> None:
        with self._lock:
            self._items[key] = pacer
            self._items.move_to_end(key)

    def discard(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
