"""Process-local counts of the platform calls' attempts, for ``/metrics``.

:class:`~kiotsync.httpkit.caller.ApiCaller` counts every attempt it logs, by platform, outcome
(``2xx``, ``3xx``, ``429``, ``4xx``, ``5xx``, ``transport``) and whether it was a retry. The
counter is a ``prometheus_client`` Counter in no registry: a worker's calls happen in its own
process, so :mod:`kiotsync.metrics.store` adds each process's new counts to a table now and
then (see ``docs/deploy.md``, "Metrics") and ``/metrics`` reads them from there.
"""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["ATTEMPTS", "attempt_counts", "count_attempt", "outcome_of"]

ATTEMPTS = Counter(
    "kiotsync_http_attempts",
    "Attempts of platform calls made by this process",
    ["platform", "outcome", "retry"],
    registry=None,
)


def outcome_of(status: int | None) -> str:
    """``429`` apart from the other 4xx; ``transport`` when no answer came."""
    if status is None:
        return "transport"
    if status == 429:
        return "429"
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


def count_attempt(platform: str, status: int | None, attempt: int) -> None:
    ATTEMPTS.labels(platform, outcome_of(status), "yes" if attempt > 1 else "no").inc()


def attempt_counts() -> dict[tuple[str, str, str], float]:
    """This process's counts so far: ``(platform, outcome, retry) → attempts``."""
    counts: dict[tuple[str, str, str], float] = {}
    for family in ATTEMPTS.collect():
        for sample in family.samples:
            if sample.name.endswith("_total"):
                labels = sample.labels
                counts[(labels["platform"], labels["outcome"], labels["retry"])] = sample.value
    return counts
