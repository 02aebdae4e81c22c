"""The platform calls' attempts of every process, in one table.

A worker's calls happen in its own process, and ``/metrics`` is answered by ``serve``: each
process counts its attempts in memory (:mod:`kiotsync.httpkit.metrics`) and adds what it
counted since last time to :class:`~.models.HttpAttempts` — a worker on every heartbeat
(10 s), ``serve`` before it answers ``/metrics``. This works alike on both stacks (one machine
or many: the table is in the shared database); a worker killed loses at most its last 10 s of
counts. The table only grows, so the figures are counters (``rate()`` works across restarts).
"""

from __future__ import annotations

import threading

from django.db import transaction
from django.db.models import F

from kiotsync.httpkit.metrics import attempt_counts

from .models import HttpAttempts

Key = tuple[str, str, str]

_lock = threading.Lock()
#: What this process has added to the table so far.
_flushed: dict[Key, int] = {}


def flush() -> int:
    """Add this process's attempts since its last flush to the table; how many were added."""
    with _lock:
        deltas = {
            key: n - _flushed.get(key, 0)
            for key, value in attempt_counts().items()
            if (n := int(value)) > _flushed.get(key, 0)
        }
        if not deltas:
            return 0
        with transaction.atomic():
            for (platform, outcome, retry), n in sorted(deltas.items()):  # one order: no deadlock
                HttpAttempts.objects.get_or_create(platform=platform, outcome=outcome, retry=retry)
                HttpAttempts.objects.filter(platform=platform, outcome=outcome, retry=retry).update(
                    count=F("count") + n
                )
        for key, n in deltas.items():
            _flushed[key] = _flushed.get(key, 0) + n
        return sum(deltas.values())


def flush_on_beat(alive: set[str]) -> None:
    """The heartbeat duty (:func:`kiotsync.workers.heartbeat.on_beat`)."""
    flush()


def stored() -> list[tuple[str, str, str, int]]:
    """Every process's attempts: ``(platform, outcome, retry, count)``."""
    return list(
        HttpAttempts.objects.order_by("platform", "outcome", "retry").values_list(
            "platform", "outcome", "retry", "count"
        )
    )
