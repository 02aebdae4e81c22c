"""Liveness rows: one per running worker process, one probe per queue."""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    """A running ``kiotsync worker`` process (removed when it stops cleanly; a killed one goes
    stale and is ignored)."""

    worker_id = models.CharField(max_length=200, unique=True)
    queue = models.CharField(max_length=50, default="default")
    host = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(default=0)
    tasks = models.PositiveIntegerField(default=0, help_text="tasks registered in this process")
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()


class QueueProbe(models.Model):
    """The last probe task sent through a queue, and when a worker ran it: an unanswered probe
    gives a lower bound of the age of the oldest ready task."""

    queue = models.CharField(max_length=50, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    resent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    latency_s = models.FloatField(null=True, blank=True)


class Duty(models.Model):
    """A periodic duty of one shop (poll its orders, poll its catalogue, refresh its token,
    check its webhook registrations…) and when it is next due. Duties are spread over their
    period by shop (see :mod:`kiotsync.workers.duties`), so a minute's work is the shops due in
    that minute, not a sweep of the fleet."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    period_s = models.PositiveIntegerField(default=60)  # this shop's period (a duty may vary it by shop)
    due_at = models.DateTimeField(db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="duty_unique")]
