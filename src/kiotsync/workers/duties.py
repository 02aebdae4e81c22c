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
from collections.abc import Callable, Iterable, Mapping
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
    # The shops the duty applies to now: their ids, or {id: period in seconds} when the period
    # depends on the shop (e.g. polled less often while its webhooks are healthy).
    shops: Callable[[], Iterable[int] | Mapping[int, int]]

    def periods(self) -> dict[int, int]:
        found = self.shops()
        if isinstance(found, Mapping):
            return {int(k): max(60, int(v)) for k, v in found.items()}
        return {int(k): self.period_s for k in found}


_REGISTRY: dict[str, DutySpec] = {}


def register(
    name: str, period_s: int, job: str, shops: Callable[[], Iterable[int] | Mapping[int, int]]
) -> None:
    """Declare a duty (features do it when their jobs module is imported)."""
    _REGISTRY[name] = DutySpec(name, max(60, int(period_s)), job, shops)


def registered() -> list[DutySpec]:
    return sorted(_REGISTRY.values(), key=lambda d: d.name)


def phase_s(tenant_id: int, name: str, period_s: int) -> int:
    """The shop's fixed place in the period (stable across processes and restarts)."""
    digest = hashlib.blake2b(f"{name}:{tenant_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % period_s


def first_due(tenant_id: int, spec: DutySpec, now: datetime, period_s: int | None = None) -> datetime:
    """The first time at or after ``now`` that falls on the shop's phase."""
    period = period_s or spec.period_s
    epoch = int(now.timestamp())
    start = epoch - epoch % period + phase_s(tenant_id, spec.name, period)
    if start < epoch:
        start += period
    return now + timedelta(seconds=start - epoch)


def _align(spec: DutySpec, now: datetime) -> None:
    """Rows for shops the duty now applies to (at their period), none for the others."""
    periods = spec.periods()
    have = {
        t: (pk, p)
        for t, pk, p in Duty.objects.filter(name=spec.name).values_list("tenant_id", "pk", "period_s")
    }
    gone = [pk for tenant_id, (pk, _p) in have.items() if tenant_id not in periods]
    if gone:
        Duty.objects.filter(pk__in=gone).delete()
    new = [
        Duty(tenant_id=t, name=spec.name, period_s=p, due_at=first_due(t, spec, now, p))
        for t, p in periods.items()
        if t not in have
    ]
    if new:
        Duty.objects.bulk_create(new, ignore_conflicts=True)
    changed = [(have[t][0], p) for t, p in periods.items() if t in have and have[t][1] != p]
    for pk, p in changed:  # a new period: next due at the new phase, never later than the old plan
        row = Duty.objects.filter(pk=pk).first()
        if row is not None:
            row.period_s = p
            row.due_at = min(row.due_at, first_due(row.tenant_id, spec, now, p))
            row.save(update_fields=["period_s", "due_at"])


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
            for row in due:
                nxt = row.due_at + timedelta(seconds=row.period_s)
                # Behind by more than a period (the dispatcher was down): back on the phase.
                if nxt <= now:
                    nxt = first_due(row.tenant_id, spec, now + timedelta(seconds=1), row.period_s)
                row.due_at, row.last_run_at = nxt, now
            Duty.objects.bulk_update(due, ["due_at", "last_run_at"])
        woken += [(spec.job, row.tenant_id) for row in due]
    if woken:
        log.info("duties due: %d", len(woken))
    return woken
