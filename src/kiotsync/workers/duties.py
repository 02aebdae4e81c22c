"""Periodic work per shop, spread over its period (issue 11).

A feature registers a *duty*: a name, a period, the queue job that does it for one shop, and
which shops it applies to. One dispatcher (each minute, claimed once however many workers run
the scheduler: :mod:`.periodic`) keeps a :class:`~kiotsync.workers.models.Duty` row per
(shop, duty), picks the rows that are due, moves them one period on and wakes one job per shop.
Each shop has its own phase in the period (a hash of its id and the duty's name), so 1,000
shops polled every 15 minutes are ~67 a minute, not 1,000 in the first second; and a shop's
slow or failing platform holds only its own job, never a sweep of everyone.

The work of a minute is the shops due in it; the bookkeeping is three indexed queries per duty
(eligible ids, rows, due rows) and one update.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .models import Duty

log = logging.getLogger(__name__)

#: The most rows woken per dispatcher run and duty; the rest stay due for the next minute.
BATCH = 2000


@dataclass(frozen=True)
class DutySpec:
    name: str
    period_s: int
    job: str  # a queue job name (the composition root's JOBS), called with the shop's id
    shops: Callable[[], Iterable[int]]  # ids of the shops the duty applies to now


_REGISTRY: dict[str, DutySpec] = {}


def register(name: str, period_s: int, job: str, shops: Callable[[], Iterable[int]]) -> None:
    """Declare a duty (features do it when their jobs module is imported)."""
    _REGISTRY[name] = DutySpec(name, max(60, int(period_s)), job, shops)


def registered() -> list[DutySpec]:
    return sorted(_REGISTRY.values(), key=lambda d: d.name)


def phase_s(tenant_id: int, name: str, period_s: int) -> int:
    """The shop's fixed place in the period (stable across processes and restarts)."""
    digest = hashlib.blake2b(f"{name}:{tenant_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % period_s


def first_due(tenant_id: int, spec: DutySpec, now: datetime) -> datetime:
    """The first time at or after ``now`` that falls on the shop's phase."""
    epoch = int(now.timestamp())
    start = epoch - epoch % spec.period_s + phase_s(tenant_id, spec.name, spec.period_s)
    if start < epoch:
        start += spec.period_s
    return now + timedelta(seconds=start - epoch)


def _align(spec: DutySpec, now: datetime) -> None:
    """Rows for shops the duty now applies to, none for the others."""
    shops = set(spec.shops())
    have = dict(Duty.objects.filter(name=spec.name).values_list("tenant_id", "pk"))
    gone = [pk for tenant_id, pk in have.items() if tenant_id not in shops]
    if gone:
        Duty.objects.filter(pk__in=gone).delete()
    new = [
        Duty(tenant_id=tenant_id, name=spec.name, due_at=first_due(tenant_id, spec, now))
        for tenant_id in shops - set(have)
    ]
    if new:
        Duty.objects.bulk_create(new, ignore_conflicts=True)


def take_due(now: datetime | None = None) -> list[tuple[str, int]]:
    """Every (job, shop id) due now; their rows are moved one period on. Run by the dispatcher,
    once per minute."""
    now = now or timezone.now()
    woken: list[tuple[str, int]] = []
    for spec in registered():
        _align(spec, now)
        with transaction.atomic():
            due = list(
                Duty.objects.select_for_update(skip_locked=True)
                .filter(name=spec.name, due_at__lte=now)
                .order_by("due_at")[:BATCH]
            )
            period = timedelta(seconds=spec.period_s)
            for row in due:
                nxt = row.due_at + period
                # Behind by more than a period (the dispatcher was down): back on the phase.
                row.due_at = nxt if nxt > now else first_due(row.tenant_id, spec, now + timedelta(seconds=1))
                row.last_run_at = now
            Duty.objects.bulk_update(due, ["due_at", "last_run_at"])
        woken += [(spec.job, row.tenant_id) for row in due]
    if woken:
        log.info("duties due: %d", len(woken))
    return woken
