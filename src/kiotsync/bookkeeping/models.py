"""Sync bookkeeping: the last successful run (and last error) of each flow per shop, with the
delta cursors of the polling backstops; and the write intents that make every create exactly-once."""

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


class WriteIntent(models.Model):
    """A create about to be sent to a platform whose outcome is not yet known.

    Written (and committed) before a non-idempotent create, deleted with the link that records
    its success. One left behind (timeout, lost answer, worker killed) means "look before you
    create again": the next run searches the platform for the object and adopts it. The one
    mechanism for products, categories and orders alike (:mod:`.intents`).
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="write_intents")
    key = models.CharField(max_length=120)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "catalog_writeintent"  # the model moved here from the catalogue app; its table stayed
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="writeintent_unique")]


class CallCount(models.Model):
    """Calls spent from a platform budget, per key (a KiotViet retailer) and minute — shared by
    every process, so the 5,000 GETs an hour of a retailer are counted once however many
    workers and machines spend them (:mod:`.budget`)."""

    key = models.CharField(max_length=150)
    minute = models.BigIntegerField()  # minutes since the epoch
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "minute"], name="callcount_unique")]
