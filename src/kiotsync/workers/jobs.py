"""Worker jobs of the house itself: the queue probe, and the per-shop duties' dispatcher."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kiotsync.wiring import get_wiring

from . import duties
from .models import QueueProbe
from .periodic import single

log = logging.getLogger(__name__)


@db_task()
def queue_probe(queue: str, sent_at: str) -> None:
    sent = datetime.fromisoformat(sent_at)
    now = timezone.now()
    QueueProbe.objects.filter(queue=queue, sent_at=sent).update(
        done_at=now, latency_s=max(0.0, (now - sent).total_seconds())
    )


def dispatch_due(now: datetime | None = None) -> int:
    """Wake one job per shop whose duty is due (see :mod:`.duties`)."""
    queue = get_wiring().queue
    woken = duties.take_due(now)
    for job, tenant_id in woken:
        try:
            queue.wake(job, tenant_id)
        except Exception:  # one shop's job must not keep the others from being woken
            log.exception("duty %s for shop %s could not be queued", job, tenant_id)
    return len(woken)


@db_periodic_task(crontab(minute="*"))
@single("duties", 60)
def dispatch_duties() -> None:
    dispatch_due()
