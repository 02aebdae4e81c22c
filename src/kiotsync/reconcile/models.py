"""A reconciliation run and the drifts it found."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kiotsync.tenants.models import Tenant


class ReconcileRun(models.Model):
    class State(models.TextChoices):
        RUNNING = "running", _("Đang đối soát")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Lỗi")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="reconcile_runs")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    checked = models.JSONField(default=dict, blank=True)  # what was compared, by kind
    healed = models.PositiveIntegerField(default=0)
    left = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "-started_at"])]


class Drift(models.Model):
    """One difference between the platforms and the promise."""

    class Kind(models.TextChoices):
        STOCK = "stock", _("Tồn kho lệch")
        PRODUCT_MISSING = "product_missing", _("Sản phẩm chưa có trên Haravan")
        PRODUCT_FIELDS = "product_fields", _("Thông tin sản phẩm lệch")
        ORDER_MISSING = "order_missing", _("Đơn chưa sang KiotViet")
        ORDER_DUPLICATE = "order_duplicate", _("Đơn bị tạo trùng")

    class Cause(models.TextChoices):
        MISSED_WEBHOOK = "missed_webhook", _("Thông báo (webhook) bị lỡ")
        HARAVAN_EDIT = "haravan_edit", _("Haravan bị sửa tay")
        STOCK_EDIT = "stock_edit", _("Tồn kho trên Haravan bị sửa tay")
        STOCK_WEBHOOK = "stock_webhook", _("Thiếu thông báo (webhook) tồn kho từ KiotViet")
        ORDER_NOT_IN_KV = "order_not_in_kv", _("Đơn Haravan chưa ghi sang KiotViet")
        KIOTVIET_CHANGED = "kiotviet_changed", _("KiotViet đã đổi, chưa ghi sang Haravan")
        WRITE_FAILED = "write_failed", _("Lần ghi trước bị lỗi")
        NOT_SYNCED = "not_synced", _("Chưa đồng bộ (Tự đồng bộ đang tắt)")
        DUPLICATE = "duplicate", _("Tạo trùng trên KiotViet")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="drifts")
    run = models.ForeignKey(ReconcileRun, on_delete=models.CASCADE, related_name="drifts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    cause = models.CharField(max_length=20, choices=Cause.choices)
    subject = models.CharField(max_length=500)
    kv_id = models.BigIntegerField(null=True, blank=True)
    hv_variant_id = models.BigIntegerField(null=True, blank=True)
    hv_order_id = models.BigIntegerField(null=True, blank=True)
    expected = models.CharField(max_length=200, blank=True)
    actual = models.CharField(max_length=200, blank=True)
    healed = models.BooleanField(default=False)  # fixed by the run itself
    fixed_at = models.DateTimeField(null=True, blank=True)  # fixed later (the merchant's click)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["kind", "subject", "pk"]
        indexes = [models.Index(fields=["tenant", "run", "healed"])]
