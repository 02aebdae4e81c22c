"""Tenancy: a tenant is one Haravan shop (``orgid``) with at most one KiotViet connection.

Every other table carries a ``tenant`` foreign key and every query filters on it.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import EncryptedTextField


class Tenant(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang hoạt động")
        NEEDS_REINSTALL = "needs_reinstall", _("Cần cài đặt lại ứng dụng")
        UNINSTALLED = "uninstalled", _("Đã gỡ ứng dụng")

    orgid = models.CharField(max_length=32, unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=255, blank=True)
    orgsub = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(max_length=500, blank=True)
    installed_at = models.DateTimeField(null=True, blank=True)
    uninstalled_at = models.DateTimeField(null=True, blank=True)
    # The KiotViet retailer the shop's links, mirrors and cursors belong to (kept across a
    # disconnection; a login to another retailer must be an explicit switch, never silent reuse).
    data_retailer = models.CharField(max_length=100, blank=True)
    data_retailer_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cửa hàng")
        verbose_name_plural = _("cửa hàng")

    def __str__(self) -> str:
        return f"{self.name or self.orgsub} ({self.orgid})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class HaravanInstallation(models.Model):
    """The long-lived shop token obtained with ``grant_service`` (tokens encrypted)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="haravan")
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField(blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.TextField(blank=True)
    owner_sub = models.CharField(max_length=64, blank=True)
    owner_email = models.CharField(max_length=255, blank=True)
    webhooks_subscribed_at = models.DateTimeField(null=True, blank=True)
    webhooks_error = models.CharField(max_length=500, blank=True)
    # The registration health check (services.registrations): last look, last repair, and
    # topics missing from the partner dashboard.
    webhooks_checked_at = models.DateTimeField(null=True, blank=True)
    webhooks_repaired_at = models.DateTimeField(null=True, blank=True)
    webhooks_missing = models.CharField(max_length=500, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cài đặt Haravan")
        verbose_name_plural = _("cài đặt Haravan")

    def expires_within(self, seconds: float) -> bool:
        if self.expires_at is None:
            return False
        return (self.expires_at - timezone.now()).total_seconds() < seconds


class KiotVietConnection(models.Model):
    """The retailer's API credentials (secret encrypted) and the token cache."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="kiotviet")
    retailer = models.CharField(max_length=100)
    retailer_id = models.BigIntegerField(null=True, blank=True)
    client_id = models.CharField(max_length=100)
    client_secret = EncryptedTextField()
    webhook_secret = EncryptedTextField()
    access_token = EncryptedTextField(blank=True, default="")
    token_expires_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(default=timezone.now)
    webhooks_error = models.CharField(max_length=500, blank=True)
    webhooks_checked_at = models.DateTimeField(null=True, blank=True)
    webhooks_repaired_at = models.DateTimeField(null=True, blank=True)
    webhooks_repaired = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kết nối KiotViet")
        verbose_name_plural = _("kết nối KiotViet")

    def __str__(self) -> str:
        return f"{self.retailer} → {self.tenant_id}"


class KiotVietWebhook(models.Model):
    """One KiotViet webhook registration (one event type each) made for a connection."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="kiotviet_webhooks")
    kiotviet_id = models.BigIntegerField()
    type = models.CharField(max_length=64)
    url = models.URLField(max_length=500)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "type"], name="kv_webhook_one_per_type")]


class SyncSettings(models.Model):
    """What the merchant chose on the settings screen."""

    class StockMode(models.TextChoices):
        ALL_BRANCHES = "all", _("Tổng tồn kho của tất cả chi nhánh")
        ORDER_BRANCH = "branch", _("Chỉ tồn kho của chi nhánh đã chọn")

    class OrderSide(models.TextChoices):
        KIOTVIET = "kiotviet", _("Xử lý đơn hàng tại KiotViet")
        HARAVAN = "haravan", _("Xử lý đơn hàng tại Haravan")

    class PriceSource(models.TextChoices):
        BASE = "base", _("Giá bán (giá chung)")
        PRICE_BOOK = "pricebook", _("Bảng giá")

    class LinkKey(models.TextChoices):
        CODE = "code", _("Mã hàng KiotViet ↔ SKU Haravan")
        BARCODE = "barcode", _("Mã vạch KiotViet ↔ Barcode Haravan")

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="settings")
    order_branch_id = models.BigIntegerField(null=True, blank=True)
    order_branch_name = models.CharField(max_length=255, blank=True)
    stock_mode = models.CharField(max_length=10, choices=StockMode.choices, default=StockMode.ALL_BRANCHES)
    haravan_location_id = models.BigIntegerField(null=True, blank=True)
    haravan_location_name = models.CharField(max_length=255, blank=True)
    order_side = models.CharField(max_length=10, choices=OrderSide.choices, default=OrderSide.KIOTVIET)
    link_key = models.CharField(max_length=10, choices=LinkKey.choices, default=LinkKey.CODE)
    sync_name = models.BooleanField(default=True)
    sync_description = models.BooleanField(default=True)
    sync_price = models.BooleanField(default=True)
    price_source = models.CharField(max_length=10, choices=PriceSource.choices, default=PriceSource.BASE)
    price_book_id = models.BigIntegerField(null=True, blank=True)
    price_book_name = models.CharField(max_length=255, blank=True)
    sync_images = models.BooleanField(default=True)
    sync_category = models.BooleanField(default=True)
    sync_weight = models.BooleanField(default=True)
    sync_barcode = models.BooleanField(default=True)
    sync_stock = models.BooleanField(default=True)
    sync_status = models.BooleanField(default=True)
    auto_sync_enabled = models.BooleanField(default=False)
    auto_sync_interval_minutes = models.PositiveIntegerField(default=15)
    configured_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    FIELD_FLAGS = (
        "sync_name",
        "sync_description",
        "sync_price",
        "sync_images",
        "sync_category",
        "sync_weight",
        "sync_barcode",
        "sync_stock",
        "sync_status",
    )

    class Meta:
        verbose_name = _("cấu hình đồng bộ")
        verbose_name_plural = _("cấu hình đồng bộ")


class KvBranch(models.Model):
    """KiotViet branches as last read (names for the screens). Table ``catalog_kvbranch``: the
    model moved here from the catalogue app, its table stayed."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="kv_branches")
    branch_id = models.BigIntegerField()
    name = models.CharField(max_length=255)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_kvbranch"
        constraints = [models.UniqueConstraint(fields=["tenant", "branch_id"], name="kvbranch_unique")]


class RetailerSwitch(models.Model):
    """The shop moved from one KiotViet retailer to another: what was retired (links, mirrors,
    cursors of the old retailer) and when. The sync history stays; the old links are kept here
    as a snapshot."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="retailer_switches")
    from_retailer = models.CharField(max_length=100)
    from_retailer_id = models.BigIntegerField(null=True, blank=True)
    to_retailer = models.CharField(max_length=100)
    to_retailer_id = models.BigIntegerField(null=True, blank=True)
    retired = models.JSONField(default=dict, blank=True)  # counts per kind, and the old links
    switched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-switched_at"]
