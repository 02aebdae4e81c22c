"""Products and stock: local mirrors of both catalogues, the links between them, and history.

The mirrors let the screens search, filter and page without spending API budget, and give the
pure planner (:mod:`kiotsync.core`) its inputs. Links carry what was last pushed (fingerprints)
and the stock basis, so a re-run with nothing changed makes zero writes and a stale stock
observation never overwrites a newer one. Unique constraints make every link idempotent.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kiotsync.search import Searchable
from kiotsync.tenants.models import Tenant


class RowState(models.TextChoices):
    """Per-product status shown to the merchant (mirrors :class:`kiotsync.core.catalog.status.RowState`)."""

    PENDING = "pending", _("Chưa đồng bộ")
    LINKED = "linked", _("Đã có trên Haravan")
    PLANNED = "planned", _("Đang chờ đồng bộ")
    OPTED_OUT = "opted_out", _("Không đồng bộ")
    NOT_APPLICABLE = "not_applicable", _("Không cần đồng bộ")
    NEEDS_ATTENTION = "needs_attention", _("Cần xử lý")
    ERROR = "error", _("Lỗi")


class KvRow(Searchable):
    """One KiotViet product row (every variant and unit is a row), as last seen."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="kv_rows")
    kv_id = models.BigIntegerField()
    code = models.CharField(max_length=100)
    barcode = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=500)
    full_name = models.CharField(max_length=500, blank=True)
    master_product_id = models.BigIntegerField(null=True, blank=True)
    master_unit_id = models.BigIntegerField(null=True, blank=True)
    type = models.PositiveSmallIntegerField(default=2)
    is_active = models.BooleanField(default=True)
    deleted = models.BooleanField(default=False)
    category_name = models.CharField(max_length=255, blank=True)
    base_price = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    modified_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict)
    # Outcome of the last plan for this row.
    state = models.CharField(max_length=20, choices=RowState.choices, default=RowState.PENDING)
    reason_code = models.CharField(max_length=50, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    opted_out = models.BooleanField(default=False)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    SEARCHED = ("name", "full_name", "code", "barcode")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kv_id"], name="kvrow_unique")]
        indexes = [
            models.Index(fields=["tenant", "code"]),
            models.Index(fields=["tenant", "state"]),
            models.Index(fields=["tenant", "master_product_id"]),
        ]


class KvStock(models.Model):
    """Stock of one row in one branch, with the version of the observation it came from."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="kv_stock")
    kv_id = models.BigIntegerField()
    branch_id = models.BigIntegerField()
    on_hand = models.DecimalField(max_digits=18, decimal_places=3, default=0)
    reserved = models.DecimalField(max_digits=18, decimal_places=3, default=0)
    version = models.BigIntegerField(default=0)
    dirty = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kv_id", "branch_id"], name="kvstock_unique")
        ]
        indexes = [models.Index(fields=["tenant", "dirty"])]


class HvVariantRow(Searchable):
    """One Haravan variant (with its product's fields), as last seen."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="hv_variants")
    hv_product_id = models.BigIntegerField()
    hv_variant_id = models.BigIntegerField()
    product_title = models.CharField(max_length=500)
    variant_title = models.CharField(max_length=500, blank=True)
    sku = models.CharField(max_length=100, blank=True)
    barcode = models.CharField(max_length=64, blank=True)
    price = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    product_type = models.CharField(max_length=255, blank=True)
    published = models.BooleanField(default=True)
    deleted = models.BooleanField(default=False)
    product_data = models.JSONField(default=dict)
    # Haravan → KiotViet transfer outcome.
    state = models.CharField(max_length=20, choices=RowState.choices, default=RowState.PENDING)
    reason_code = models.CharField(max_length=50, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    kv_id = models.BigIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    SEARCHED = ("product_title", "variant_title", "sku", "barcode")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "hv_variant_id"], name="hvvariant_unique")]
        indexes = [models.Index(fields=["tenant", "sku"]), models.Index(fields=["tenant", "hv_product_id"])]


class ProductLinkRecord(models.Model):
    """KiotViet group (master row id) ↔ Haravan product."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="product_links")
    kv_group_id = models.BigIntegerField()
    hv_product_id = models.BigIntegerField()
    pushed = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kv_group_id"], name="productlink_group_unique"),
            models.UniqueConstraint(fields=["tenant", "hv_product_id"], name="productlink_product_unique"),
        ]


class VariantLinkRecord(models.Model):
    """KiotViet row ↔ Haravan variant, with push fingerprints and stock memory."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="variant_links")
    kv_id = models.BigIntegerField()
    kv_code = models.CharField(max_length=100, blank=True)
    hv_product_id = models.BigIntegerField()
    hv_variant_id = models.BigIntegerField()
    pushed = models.JSONField(default=dict, blank=True)
    stock_target = models.BigIntegerField(null=True, blank=True)
    stock_basis = models.JSONField(default=list, blank=True)
    stock_pushed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kv_id"], name="variantlink_kv_unique"),
            models.UniqueConstraint(fields=["tenant", "hv_variant_id"], name="variantlink_hv_unique"),
        ]
        indexes = [models.Index(fields=["tenant", "kv_code"])]


class SyncEvent(models.Model):
    """Timeline of attempts: what changed, which call, the result, the error in words."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="sync_events")
    kv_id = models.BigIntegerField(null=True, blank=True)
    hv_product_id = models.BigIntegerField(null=True, blank=True)
    hv_variant_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=40)
    call = models.CharField(max_length=200, blank=True)
    ok = models.BooleanField(default=True)
    changes = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "kv_id", "created_at"]),
            models.Index(fields=["tenant", "hv_product_id", "created_at"]),
        ]


class SyncJob(models.Model):
    """A background run the merchant started (Sync now, Transfer all) or a scheduled one.

    Resumable: a job records its progress; a worker that dies leaves it ``running`` with an old
    heartbeat, and the next worker run picks it up from the mirrors and links (idempotent).
    """

    class Kind(models.TextChoices):
        SYNC_KV_TO_HV = "sync_kv_hv", _("Đồng bộ sản phẩm KiotViet → Haravan")
        TRANSFER_HV_TO_KV = "transfer_hv_kv", _("Chuyển sản phẩm Haravan → KiotViet")

    class State(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Lỗi")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="sync_jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The ``kiotsync worker`` process running it: when that worker stops beating, another one
    # takes the job over at once (not only after STALE_JOB without a heartbeat).
    worker_id = models.CharField(max_length=200, blank=True)
    # What the merchant chose when starting it (Transfer all: ``{"opening_stock": "haravan"|"zero"}``).
    options = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "kind", "state"])]

    @property
    def percent(self) -> int:
        return (
            100
            if self.total == 0 and self.state == self.State.DONE
            else int(100 * self.done / max(1, self.total))
        )
