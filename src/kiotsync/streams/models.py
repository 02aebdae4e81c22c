"""Streams: the last successful run (and last error) of each flow per shop, for the connection
screen and the delta cursors of the polling backstops."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kiotsync.tenants.models import Tenant


class StreamState(models.Model):
    class Stream(models.TextChoices):
        PRODUCTS_KV_TO_HV = "products_kv_hv", _("Sản phẩm KiotViet → Haravan")
        STOCK = "stock", _("Tồn kho KiotViet → Haravan")
        PRODUCTS_HV_TO_KV = "products_hv_kv", _("Sản phẩm Haravan → KiotViet")
        ORDERS = "orders", _("Đơn hàng")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="streams")
    stream = models.CharField(max_length=20, choices=Stream.choices)
    cursor = models.CharField(max_length=100, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "stream"], name="stream_state_unique")]
