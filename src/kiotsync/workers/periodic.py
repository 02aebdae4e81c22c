"""One run of each periodic duty per period, however many worker processes schedule it.

Every ``kiotsync worker`` runs Huey's scheduler, so with two workers each periodic task was
enqueued twice per period (each shop polled twice a minute). :func:`single` makes the first
run of a period claim it in the queue's own store (``put_if_empty``: atomic on SQLite and
Redis alike); the others return at once. Called inline (an immediate queue: tests), a duty
always runs.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def claim(duty: str, period_s: float, now: float | None = None) -> bool:
    """Whether this caller is the first to run ``duty`` in the current period."""
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        return True
    slot = int((time.time() if now is None else now) // period_s)
    if not HUEY.put_if_empty(f"kiotsync:periodic:{duty}:{slot}", slot):
        return False
    HUEY.delete(f"kiotsync:periodic:{duty}:{slot - 1}")  # keeps the store at one key per duty
    return True


def single(duty: str, period_s: float) -> Callable[[F], F]:
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            if claim(duty, period_s):
                return fn(*args, **kwargs)
            return None

        return run  # type: ignore[return-value]

    return wrap
