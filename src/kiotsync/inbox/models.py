"""Durable inbox: a webhook is written here (after verification) before it is answered.

Workers process rows later; nothing is lost if a process dies between receipt and
processing. ``(platform, delivery_key)`` is unique so a redelivery is stored once.
"""

from __future__ import annotations

from django.db import models

from kiotsync.tenants.models import Tenant


class InboundEvent(models.Model):
    class Platform(models.TextChoices):
        KIOTVIET = "kiotviet", "KiotViet"
        HARAVAN = "haravan", "Haravan"

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        DONE = "done", "done"
        FAILED = "failed", "failed"
        IGNORED = "ignored", "ignored"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="inbound_events")
    platform = models.CharField(max_length=10, choices=Platform.choices)
    topic = models.CharField(max_length=100)
    delivery_key = models.CharField(max_length=200)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "delivery_key"], name="inbound_event_unique_delivery")
        ]
        indexes = [models.Index(fields=["tenant", "state", "received_at"])]
