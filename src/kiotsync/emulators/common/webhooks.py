"""Outgoing webhook delivery with retries on the platform clock.

Platforms enqueue a :class:`Delivery`; a background thread POSTs it when due. After each
attempt ``on_result(delivery, status, error)`` decides what happens next: it returns the
platform-seconds delay before the next attempt, or ``None`` to stop. The httpx transport is
injectable so tests can deliver straight into an in-process WSGI app.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from .clock import Clock

ResultHook = Callable[["Delivery", int | None, str | None], float | None]


@dataclass
class Delivery:
    url: str
    body: bytes
    headers: dict[str, str]
    on_result: ResultHook | None = None
    attempt: int = 1
    due: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


class WebhookDispatcher:
    def __init__(
        self,
        clock: Clock,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 5.0,
        history: int = 50_000,
    ) -> None:
        self.clock = clock
        self.timeout_s = timeout_s
        self._transport = transport
        self._client: httpx.Client | None = None
        self._heap: list[tuple[float, int, Delivery]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._in_flight = 0
        self._paused = False
        self._stopped = False
        self.history: deque[dict[str, Any]] = deque(maxlen=history)
        self._thread = threading.Thread(target=self._run, name="webhook-dispatcher", daemon=True)
        self._thread.start()

    # -- configuration -------------------------------------------------------------------
    def set_transport(self, transport: httpx.BaseTransport | None) -> None:
        with self._cond:
            self._transport = transport
            if self._client is not None:
                self._client.close()
                self._client = None

    def pause(self) -> None:
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def wake(self) -> None:
        """Re-check due times now (after the platform clock jumped forward)."""
        with self._cond:
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()
            self.history.clear()

    def stop(self, wait_s: float = 10.0) -> None:
        """Stop delivering; the delivery in flight (if any) finishes first, up to ``wait_s``, so
        the receiver is never still handling one after this returns."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(wait_s)

    # -- queue ---------------------------------------------------------------------------
    def enqueue(self, delivery: Delivery, delay_s: float = 0.0) -> None:
        delivery.due = self.clock.time() + delay_s
        with self._cond:
            heapq.heappush(self._heap, (delivery.due, next(self._seq), delivery))
            self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap) + self._in_flight

    def drain(self, timeout: float = 10.0, include_retries: bool = False) -> bool:
        """Wait until nothing due is queued or in flight. Returns False on timeout.

        Without ``include_retries`` a delivery waiting for a later retry does not count.
        """
        import time

        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                now = self.clock.time()
                busy = self._in_flight > 0 or any(include_retries or due <= now for due, _, _ in self._heap)
                if not busy:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))

    # -- worker --------------------------------------------------------------------------
    def _client_locked(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(transport=self._transport, timeout=self.timeout_s)
        return self._client

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._stopped:
                        return
                    if self._heap and not self._paused:
                        wait = self._heap[0][0] - self.clock.time()
                        if wait <= 0:
                            break
                        self._cond.wait(min(self.clock.real_seconds(wait), 0.5))
                    else:
                        self._cond.wait(0.5)
                _, _, delivery = heapq.heappop(self._heap)
                self._in_flight += 1
                client = self._client_locked()
            try:
                self._attempt(client, delivery)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        status: int | None = None
        error: str | None = None
        try:
            resp = client.post(delivery.url, content=delivery.body, headers=delivery.headers)
            status = resp.status_code
        except httpx.TimeoutException:
            error = "timeout"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # an in-process receiver crashed: count as a failure
            error = f"{type(exc).__name__}: {exc}"
        self.history.append(
            {
                "url": delivery.url,
                "attempt": delivery.attempt,
                "status": status,
                "error": error,
                "time": self.clock.time(),
                **{k: v for k, v in delivery.meta.items() if isinstance(v, str | int | float | bool)},
            }
        )
        if delivery.on_result is None:
            return
        retry_in = delivery.on_result(delivery, status, error)
        if retry_in is not None:
            delivery.attempt += 1
            self.enqueue(delivery, retry_in)
