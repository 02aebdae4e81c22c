"""What ``/healthz`` says of each queue: workers alive, ready tasks, how long the oldest waits."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .heartbeat import ALIVE_WITHIN
from .models import QueueProbe, WorkerBeat

# A ready task waiting longer than this means the workers do not keep up.
MAX_WAIT_S = 300.0


def queue_health(queue: str = "default") -> dict[str, Any]:
    from huey.contrib.djhuey import HUEY

    now = timezone.now()
    beats = list(WorkerBeat.objects.filter(queue=queue, beat_at__gte=now - ALIVE_WITHIN))
    probe = QueueProbe.objects.filter(queue=queue).first()
    oldest_ready_s = 0.0
    latency = None
    if probe is not None and probe.sent_at is not None:
        if probe.done_at is None or probe.done_at < probe.sent_at:
            oldest_ready_s = (now - probe.sent_at).total_seconds()
        latency = probe.latency_s
    pending = HUEY.pending_count()
    state = "ok"
    if not beats:
        state = "no worker"
    elif oldest_ready_s > MAX_WAIT_S:
        state = "backlog"
    last = max((b.beat_at for b in beats), default=None)
    return {
        "state": state,
        "workers": len(beats),
        "tasks_registered": min((b.tasks for b in beats), default=0),
        "last_beat_s": round((now - last).total_seconds(), 1) if last else None,
        "ready": pending,
        "oldest_ready_s": round(oldest_ready_s, 1),
        "probe_latency_s": round(latency, 3) if latency is not None else None,
    }
