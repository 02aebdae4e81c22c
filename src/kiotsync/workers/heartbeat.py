"""A worker process's heartbeat thread: it marks the process alive every ``BEAT_S`` seconds and,
when the queue's last probe came back, sends a new one through the queue."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import close_old_connections
from django.db.models import F, Q
from django.utils import timezone

from .jobs import queue_probe
from .models import QueueProbe, WorkerBeat

log = logging.getLogger(__name__)

BEAT_S = 10.0
# A worker whose last beat is older than this is taken for dead.
ALIVE_WITHIN = timedelta(seconds=BEAT_S * 4)

# Duties run on every beat with the ids of the workers alive (e.g. take over the jobs of a
# worker that died). Registered by the features at start-up (their AppConfig.ready()).
Duty = Callable[[set[str]], None]
_duties: list[Duty] = []
_current = ""


def on_beat(duty: Duty) -> Duty:
    if duty not in _duties:
        _duties.append(duty)
    return duty


def current_worker_id() -> str:
    """This process's worker id ("" outside ``kiotsync worker``)."""
    return _current


def alive_workers(now: datetime | None = None) -> set[str]:
    now = now or timezone.now()
    return set(WorkerBeat.objects.filter(beat_at__gte=now - ALIVE_WITHIN).values_list("worker_id", flat=True))


# A probe unanswered this long is sent again (the first was lost with a killed worker).
PROBE_RESEND = timedelta(minutes=2)


class Heartbeat:
    def __init__(self, queue: str, tasks: int, beat_s: float = BEAT_S) -> None:
        self.queue = queue
        self.tasks = tasks
        self.beat_s = beat_s
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiotsync-heartbeat", daemon=True)
        self._started = timezone.now()

    def start(self) -> Heartbeat:
        global _current
        _current = self.worker_id
        self.beat()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        try:
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        finally:
            close_old_connections()

    def _run(self) -> None:
        while not self._stop.wait(self.beat_s):
            try:
                self.beat()
            except Exception:  # the database may be briefly away; beat again next time
                log.exception("worker heartbeat failed")
            finally:
                close_old_connections()

    def beat(self) -> None:
        now = timezone.now()
        WorkerBeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "queue": self.queue,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "tasks": self.tasks,
                "started_at": self._started,
                "beat_at": now,
            },
        )
        self.probe(now)
        alive = alive_workers(now)
        for duty in list(_duties):
            try:
                duty(alive)
            except Exception:
                log.exception("worker duty %s failed", getattr(duty, "__name__", duty))

    def probe(self, now: datetime) -> None:
        """One probe in flight per queue, whichever worker sends it. An unanswered probe keeps
        its send time (the age of the oldest ready task) and is sent again now and then, in case
        it was lost with a killed worker."""
        QueueProbe.objects.get_or_create(queue=self.queue)
        answered = Q(sent_at__isnull=True) | Q(done_at__gte=F("sent_at"))
        if QueueProbe.objects.filter(queue=self.queue).filter(answered).update(sent_at=now, resent_at=None):
            queue_probe(self.queue, now.isoformat())
            return
        lost = Q(sent_at__lt=now - PROBE_RESEND) & (
            Q(resent_at__isnull=True) | Q(resent_at__lt=now - PROBE_RESEND)
        )
        row = QueueProbe.objects.filter(queue=self.queue).filter(lost).first()
        if (
            row is not None
            and row.sent_at is not None
            and QueueProbe.objects.filter(pk=row.pk, sent_at=row.sent_at).filter(lost).update(resent_at=now)
        ):
            queue_probe(self.queue, row.sent_at.isoformat())
