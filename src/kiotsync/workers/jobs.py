"""The probe task: sent by a worker's heartbeat, run by whichever worker dequeues it."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from huey.contrib.djhuey import db_task

from .models import QueueProbe


@db_task()
def queue_probe(queue: str, sent_at: str) -> None:
    sent = datetime.fromisoformat(sent_at)
    now = timezone.now()
    QueueProbe.objects.filter(queue=queue, sent_at=sent).update(
        done_at=now, latency_s=max(0.0, (now - sent).total_seconds())
    )
