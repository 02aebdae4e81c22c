"""When and how long to wait before trying a failed call again.

Rules (shared by both platforms):
- Only 429, 5xx, timeouts and connection failures are retried; any other 4xx is final.
- A *non-idempotent* call (creating an order, product, customer, invoice…) is retried only
  when the request provably was not processed: 429, HTTP statuses listed in
  ``non_idempotent_retry_statuses`` (503 by default: the server refused the work), or a
  failure before the request left this process (connect error, pool timeout). A 500/502/504
  or a read timeout on such a call is surfaced at once as ``TransientError`` with
  ``maybe_committed=True`` so the caller can look before re-creating.
- Back-off is exponential with *full jitter* (uniform between 0 and the capped exponential),
  except that a server ``Retry-After`` is honoured as given. A ``Retry-After`` longer than
  ``max_retry_after`` is not slept through in-process: the error is raised so the job queue
  can reschedule instead of holding a worker.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .errors import PlatformError, RateLimitedError, TransientError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_retry_after: float = 120.0
    non_idempotent_retry_statuses: frozenset[int] = field(default_factory=lambda: frozenset({503}))

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must be >= 0")

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Full-jitter delay after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return (rng or random).uniform(0.0, ceiling)

    def is_retryable(self, error: PlatformError, idempotent: bool) -> bool:
        """Could trying again succeed *and* be safe?"""
        if isinstance(error, RateLimitedError):
            return True
        if not isinstance(error, TransientError):
            return False
        if idempotent:
            return True
        if error.status is None:
            return not error.maybe_committed
        return error.status in self.non_idempotent_retry_statuses

    def delay_for(
        self, error: PlatformError, attempt: int, idempotent: bool, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or ``None`` to give up."""
        if attempt >= self.max_attempts or not self.is_retryable(error, idempotent):
            return None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            return max(0.0, float(retry_after))
        return self.backoff(attempt, rng)
