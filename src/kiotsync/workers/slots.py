"""Long jobs leave room for urgent work (issue 11, fair scheduling).

Lanes (:mod:`.lanes`) decide which waiting task a free thread takes next; they cannot free a
thread that a catalogue job holds for minutes. With ten shops pressing "Đồng bộ" at once every
thread of a worker was inside a long job, and other shops' orders waited for one to end. So a
worker process runs at most :func:`capacity` long jobs at a time (half its threads, at least
one); a long job that finds no free slot is put back in the queue a few seconds later and gives
its thread back at once. The other threads stay free for orders, webhooks and stock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Seconds a long job waits in the queue before trying again for a slot.
RETRY_S = 5.0

_lock = threading.Lock()
_threads = 4
_running = 0


def configure(worker_threads: int) -> None:
    """The worker's thread count (``kiotsync worker`` calls this before its consumer starts)."""
    global _threads
    with _lock:
        _threads = max(1, worker_threads)


def capacity() -> int:
    return max(1, _threads // 2)


@contextmanager
def long_job_slot() -> Iterator[bool]:
    """``with long_job_slot() as got:`` — ``got`` is False when this process already runs
    :func:`capacity` long jobs (the caller then re-queues itself)."""
    global _running
    with _lock:
        got = _running < capacity()
        if got:
            _running += 1
    try:
        yield got
    finally:
        if got:
            with _lock:
                _running -= 1


def run_or_requeue(run: Callable[[], object], requeue: Callable[[float], None]) -> bool:
    """Run a long job in a slot, or put it back for :data:`RETRY_S`; whether it ran."""
    with long_job_slot() as got:
        if got:
            run()
            return True
    requeue(RETRY_S)
    return False
