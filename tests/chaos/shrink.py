"""Delta debugging (ddmin) over an action list: the smallest sequence that still fails.

``fails(actions)`` re-runs a whole world (a few seconds each), so the search stops at a time
budget and returns the smallest failing list found so far. Actions refer to products and orders
by index modulo what exists, so any sub-list is still a valid run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def ddmin(items: list[T], fails: Callable[[list[T]], bool], budget_s: float = 300.0) -> list[T]:
    deadline = time.monotonic() + budget_s
    current, n = list(items), 2
    while len(current) >= 2 and time.monotonic() < deadline:
        size = len(current) // n
        chunks = [current[i * size : (i + 1) * size if i < n - 1 else len(current)] for i in range(n)]
        progressed = False
        for i in range(n):
            if time.monotonic() >= deadline:
                break
            complement = [x for j, chunk in enumerate(chunks) if j != i for x in chunk]
            if fails(chunks[i]):
                current, n, progressed = chunks[i], 2, True
                break
            if n > 2 and fails(complement):
                current, n, progressed = complement, max(n - 1, 2), True
                break
        if not progressed:
            if n >= len(current):
                break
            n = min(len(current), n * 2)
    if len(current) == 1 and time.monotonic() < deadline and fails([]):
        return []
    return current
