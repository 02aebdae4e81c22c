"""How other flows (orders) find the product on the other platform.

Orders resolve their lines through the product links made by the catalogue sync; when a
Haravan variant is not linked, its SKU (or barcode, per settings) is matched against the
KiotViet mirror so an order is not refused merely because the catalogue sync has not run yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiotsync.tenants.models import SyncSettings, Tenant

from .models import HvVariantRow, KvRow, VariantLinkRecord


@dataclass(frozen=True)
class KvRef:
    kv_product_id: int
    code: str
    name: str
    is_active: bool
    type: int  # 1 combo, 2 goods, 3 service
    linked: bool  # True when found through a link, False when matched by key only


@dataclass(frozen=True)
class HvRef:
    hv_product_id: int
    hv_variant_id: int
    sku: str
    linked: bool


def _link_key(tenant: Tenant) -> str:
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    return settings.link_key if settings else SyncSettings.LinkKey.CODE


def kv_for_haravan_line(
    tenant: Tenant, variant_id: int | None, sku: str | None, barcode: str | None = None
) -> KvRef | None:
    """The KiotViet row a Haravan order line sells, or None when there is none."""
    row: KvRow | None = None
    linked = False
    if variant_id:
        link = VariantLinkRecord.objects.filter(tenant=tenant, hv_variant_id=variant_id).first()
        if link is not None:
            row = KvRow.objects.filter(tenant=tenant, kv_id=link.kv_id).first()
            linked = row is not None
    if row is None:
        key = (barcode if _link_key(tenant) == SyncSettings.LinkKey.BARCODE else sku) or ""
        key = key.strip()
        if key:
            field = "barcode__iexact" if _link_key(tenant) == SyncSettings.LinkKey.BARCODE else "code__iexact"
            candidates = list(KvRow.objects.filter(tenant=tenant, deleted=False, **{field: key})[:2])
            row = candidates[0] if len(candidates) == 1 else None
    if row is None or row.deleted:
        return None
    return KvRef(row.kv_id, row.code, row.full_name or row.name, row.is_active, row.type, linked)


def haravan_for_kv_product(tenant: Tenant, kv_product_id: int | None, code: str | None) -> HvRef | None:
    """The Haravan variant a KiotViet order line sells, or None when there is none."""
    link = None
    if kv_product_id:
        link = VariantLinkRecord.objects.filter(tenant=tenant, kv_id=kv_product_id).first()
    if link is None and code:
        link = VariantLinkRecord.objects.filter(tenant=tenant, kv_code__iexact=code.strip()).first()
    if link is not None:
        variant = HvVariantRow.objects.filter(tenant=tenant, hv_variant_id=link.hv_variant_id).first()
        return HvRef(link.hv_product_id, link.hv_variant_id, variant.sku if variant else "", True)
    if code:
        matches = list(
            HvVariantRow.objects.filter(tenant=tenant, deleted=False, sku__iexact=code.strip())[:2]
        )
        if len(matches) == 1:
            v = matches[0]
            return HvRef(v.hv_product_id, v.hv_variant_id, v.sku, False)
    return None


def knows_haravan_variants(tenant: Tenant, variant_ids: Iterable[int]) -> bool:
    """Whether any of these Haravan variants is in the shop's mirror (read with its own token;
    Haravan ids are global, so a known variant id is this shop's)."""
    ids = [v for v in variant_ids if v]
    return bool(ids) and HvVariantRow.objects.filter(tenant=tenant, hv_variant_id__in=ids).exists()
