"""Order sync records: one link per order pair, its timeline, and per-tenant polling state.

``OrderLink`` is the exactly-once anchor (``origin``: where the order was born;
``processed_at``: whose statuses drive the other's): unique per (tenant, Haravan order) and per
(tenant, KiotViet order); a worker holds its lease while it pushes; a write intent
(:mod:`kiotsync.bookkeeping.intents`, key ``order:create:<link>``) records a creation whose
outcome is not known yet (written *before* the call), so the next attempt looks for the record
before creating again. ``memory`` holds what was mirrored each way (see
:class:`kiotsync.core.orders.Memory`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kiotsync.search import Searchable
from kiotsync.tenants.models import Tenant


class OrderFeed(models.Model):
    """Per-tenant order polling cursors and cached KiotViet ids used on every order."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="order_feed")
    hv_cursor = models.DateTimeField(null=True, blank=True)
    kv_orders_cursor = models.DateTimeField(null=True, blank=True)
    kv_invoices_cursor = models.DateTimeField(null=True, blank=True)
    kv_sale_channel_id = models.BigIntegerField(null=True, blank=True)
    kv_surcharge_id = models.BigIntegerField(null=True, blank=True)
    kv_meta_checked_at = models.DateTimeField(null=True, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    import_state = models.CharField(max_length=20, blank=True)
    import_message = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class OrderLink(Searchable):
    class Origin(models.TextChoices):
        HARAVAN = "haravan", _("Đơn Haravan")
        KIOTVIET = "kiotviet", _("Đơn KiotViet")

    class Side(models.TextChoices):
        """Where the order is processed: whose statuses drive the other platform's."""

        KIOTVIET = "kiotviet", _("Xử lý tại KiotViet")
        HARAVAN = "haravan", _("Xử lý tại Haravan")

    class State(models.TextChoices):
        WAITING = "waiting", _("Đang chờ")
        SYNCED = "synced", _("Đã đồng bộ")
        ERROR = "error", _("Đồng bộ lỗi")
        SKIPPED = "skipped", _("Bỏ qua")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="order_links")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    #: Decided when the order is first seen (the setting then); a KiotViet-born order: Haravan.
    processed_at = models.CharField(max_length=10, choices=Side.choices, default=Side.KIOTVIET)
    # Haravan side
    hv_order_id = models.BigIntegerField(null=True, blank=True)
    hv_name = models.CharField(max_length=64, blank=True)
    hv_created_at = models.DateTimeField(null=True, blank=True)
    hv_updated_at = models.DateTimeField(null=True, blank=True)
    hv_snapshot = models.JSONField(default=dict, blank=True)
    hv_stale = models.BooleanField(default=False)
    # KiotViet side
    kv_order_id = models.BigIntegerField(null=True, blank=True)
    kv_order_code = models.CharField(max_length=64, blank=True)
    kv_created_at = models.DateTimeField(null=True, blank=True)
    kv_modified_at = models.DateTimeField(null=True, blank=True)
    kv_snapshot = models.JSONField(default=dict, blank=True)
    kv_stale = models.BooleanField(default=False)
    # what the screen shows
    customer_name = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    total = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    hv_status = models.CharField(max_length=100, blank=True)
    kv_status = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    reason_code = models.CharField(max_length=50, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    # sync machinery
    skip_code = models.CharField(max_length=50, blank=True)
    skip_params = models.JSONField(default=dict, blank=True)
    forced = models.BooleanField(default=False)
    #: The merchant's "Đồng bộ sang KiotViet" on an order whose KiotViet copy KiotViet cancelled
    #: while Haravan processes it: create the KiotViet order again (once; cleared by the run).
    recreate = models.BooleanField(default=False)
    memory = models.JSONField(default=dict, blank=True)
    needs_sync = models.BooleanField(default=True)
    queued_at = models.DateTimeField(null=True, blank=True)  # last time a sync job was queued
    attempts = models.PositiveIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=40, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    SEARCHED = ("hv_name", "kv_order_code", "customer_name", "phone")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "hv_order_id"], name="orderlink_hv_unique"),
            models.UniqueConstraint(fields=["tenant", "kv_order_id"], name="orderlink_kv_unique"),
        ]
        indexes = [
            models.Index(fields=["tenant", "state", "hv_created_at"]),
            models.Index(fields=["tenant", "hv_name"]),
            models.Index(fields=["tenant", "kv_order_code"]),
            models.Index(fields=["state", "next_retry_at"]),
            models.Index(fields=["needs_sync", "lease_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.hv_name or '-'} ↔ {self.kv_order_code or '-'} ({self.state})"


class OrderEvent(models.Model):
    """The order's timeline: what came in, what KiotSync did, each error in words."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Nhận thay đổi")
        ACTION = "action", _("Thao tác")
        ADOPTED = "adopted", _("Tìm thấy bản đã tạo")
        WAITING = "waiting", _("Chờ thử lại")
        ERROR = "error", _("Lỗi")
        SKIPPED = "skipped", _("Bỏ qua")
        RESYNC = "resync", _("Đồng bộ lại")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="order_events")
    link = models.ForeignKey(OrderLink, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    ok = models.BooleanField(default=True)
    message = models.TextField()
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["link", "at"])]
        ordering = ["at", "id"]


class KvCustomer(models.Model):
    """KiotViet's customers by phone (a mirror, so pushing an order needs no look-up GET:
    issue 11, the GET budget). Filled by one full read, kept fresh by deltas, and by the
    customers KiotViet creates with our orders."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    kv_id = models.BigIntegerField()
    phone = models.CharField(max_length=32)  # digits, normalised
    branch_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kv_id"], name="kvcustomer_unique")]
        indexes = [models.Index(fields=["tenant", "phone"], name="kvcustomer_phone")]


class KvCustomerMirror(models.Model):
    """How far :class:`KvCustomer` is: the full read done, the delta cursor, the last refresh."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    complete = models.BooleanField(default=False)
    cursor = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
