"""What ``/metrics`` cannot read from the rows of record: platform calls' attempts, counted in
each process (:mod:`kiotsync.httpkit.metrics`) and added here by that process (:mod:`.store`)."""

from __future__ import annotations

from django.db import models


class HttpAttempts(models.Model):
    """Attempts of platform calls by every process of the deployment, ever (a counter)."""

    platform = models.CharField(max_length=20)
    outcome = models.CharField(max_length=10)  # 2xx, 3xx, 429, 4xx, 5xx, transport
    retry = models.CharField(max_length=3)  # yes: not the call's first attempt
    count = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "outcome", "retry"], name="http_attempts_unique")
        ]
