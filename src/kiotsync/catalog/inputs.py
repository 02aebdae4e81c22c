"""Load the planner's inputs from the mirrors and links (database → pure domain)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable

from kiotsync.core import catalog as core
from kiotsync.core.catalog import (
    Fingerprints,
    HvProduct,
    KvProduct,
    Link,
    ProductLink,
    StockObservation,
    VariantLink,
)
from kiotsync.core.catalog.domain import KvInventory
from kiotsync.core.catalog.settings import ALL_FIELDS, LinkKey, SyncField
from kiotsync.tenants.models import SyncSettings, Tenant

from . import wire
from .models import HvVariantRow, KvRow, KvStock, ProductLinkRecord, RowState, VariantLinkRecord

FLAG_TO_FIELD = {
    "sync_name": SyncField.NAME,
    "sync_description": SyncField.DESCRIPTION,
    "sync_price": SyncField.PRICE,
    "sync_images": SyncField.IMAGES,
    "sync_category": SyncField.CATEGORY,
    "sync_weight": SyncField.WEIGHT,
    "sync_barcode": SyncField.BARCODE,
    "sync_stock": SyncField.STOCK,
    "sync_status": SyncField.ACTIVE,
}


def core_settings(s: SyncSettings) -> core.SyncSettings:
    fields = frozenset(field for flag, field in FLAG_TO_FIELD.items() if getattr(s, flag))
    return core.SyncSettings(
        link_key=LinkKey(s.link_key),
        synced_fields=fields if fields else frozenset(),
        price_book_id=s.price_book_id if s.price_source == SyncSettings.PriceSource.PRICE_BOOK else None,
        stock_branch_id=s.order_branch_id if s.stock_mode == SyncSettings.StockMode.ORDER_BRANCH else None,
        haravan_location_id=s.haravan_location_id or 0,
    )


__all__ = ["ALL_FIELDS", "core_settings"]


def expand_groups(tenant: Tenant, kv_ids: Collection[int]) -> set[int]:
    """The ids of every row in the same variant group / unit family as ``kv_ids``, plus the
    combos whose components are among them (their stock depends on these rows)."""
    ids = set(kv_ids)
    if not ids:
        return ids
    for _ in range(3):
        rows = KvRow.objects.filter(tenant=tenant, kv_id__in=ids).values_list(
            "kv_id", "master_product_id", "master_unit_id"
        )
        keys = set(ids)
        for kv_id, master, unit in rows:
            keys.update(k for k in (kv_id, master, unit) if k)
        more = set(KvRow.objects.filter(tenant=tenant).filter(_q_in(keys)).values_list("kv_id", flat=True))
        if more <= ids:
            break
        ids |= more
    # Combos that use any of these rows as a component.
    for combo in KvRow.objects.filter(tenant=tenant, type=1, deleted=False).only("kv_id", "data"):
        if any(pid in ids for pid, _q in combo.data.get("components", [])):
            ids.add(combo.kv_id)
    return ids


def stock_dependents(tenant: Tenant, kv_ids: Collection[int]) -> set[int]:
    """``kv_ids`` plus the rows whose stock is derived from them: their alternative units and
    the combos using any of these. (Unlike :func:`expand_groups`, variant siblings are left
    out: a variant's stock depends on nothing but its own row.)"""
    ids = set(kv_ids)
    if not ids:
        return ids
    ids |= set(
        KvRow.objects.filter(tenant=tenant, master_unit_id__in=list(ids)).values_list("kv_id", flat=True)
    )
    for combo in KvRow.objects.filter(tenant=tenant, type=1, deleted=False).only("kv_id", "data"):
        if any(pid in ids for pid, _q in combo.data.get("components", [])):
            ids.add(combo.kv_id)
    return ids


def _q_in(keys: set[int]):  # type: ignore[no-untyped-def]
    from django.db.models import Q

    return Q(kv_id__in=keys) | Q(master_product_id__in=keys) | Q(master_unit_id__in=keys)


def combo_components(rows: Iterable[KvProduct]) -> set[int]:
    return {c.product_id for r in rows if r.is_combo for c in r.components}


def kv_rows(tenant: Tenant, kv_ids: Collection[int] | None = None) -> list[KvProduct]:
    qs = KvRow.objects.filter(tenant=tenant, deleted=False)
    if kv_ids is not None:
        qs = qs.filter(kv_id__in=list(kv_ids))
    return [wire.kv_from_json(d) for d in qs.values_list("data", flat=True)]


def deleted_kv_ids(tenant: Tenant, kv_ids: Collection[int] | None = None) -> set[int]:
    qs = KvRow.objects.filter(tenant=tenant, deleted=True)
    if kv_ids is not None:
        qs = qs.filter(kv_id__in=list(kv_ids))
    return set(qs.values_list("kv_id", flat=True))


def opt_outs(tenant: Tenant) -> set[int]:
    return set(KvRow.objects.filter(tenant=tenant, opted_out=True).values_list("kv_id", flat=True))


def links(tenant: Tenant, kv_ids: Collection[int] | None = None) -> list[Link]:
    """Every link, or (``kv_ids``) the links of those rows / groups only."""
    products = ProductLinkRecord.objects.filter(tenant=tenant)
    variants = VariantLinkRecord.objects.filter(tenant=tenant)
    if kv_ids is not None:
        products = products.filter(kv_group_id__in=list(kv_ids))
        variants = variants.filter(kv_id__in=list(kv_ids))
    out: list[Link] = [
        ProductLink(p.kv_group_id, p.hv_product_id, Fingerprints.of(p.pushed or {})) for p in products
    ]
    for v in variants:
        out.append(
            VariantLink(
                v.kv_id,
                v.hv_product_id,
                v.hv_variant_id,
                Fingerprints.of(v.pushed or {}),
                v.stock_target,
                tuple((int(a), int(b)) for a, b in (v.stock_basis or [])),
            )
        )
    return out


def hv_products(
    tenant: Tenant, product_ids: Collection[int] | None = None, keys: Collection[str] = ()
) -> list[HvProduct]:
    """Products from the mirror: the given ids, plus any product carrying one of ``keys``
    (SKU or barcode, case-insensitively) so the planner can link instead of duplicating."""
    qs = HvVariantRow.objects.filter(tenant=tenant, deleted=False)
    if product_ids is not None:
        wanted = set(product_ids)
        if keys:
            lowered = {k.lower() for k in keys if k}
            for pid, sku, barcode in qs.values_list("hv_product_id", "sku", "barcode"):
                if sku.lower() in lowered or barcode.lower() in lowered:
                    wanted.add(pid)
        qs = qs.filter(hv_product_id__in=wanted)
    grouped: dict[int, list[HvVariantRow]] = defaultdict(list)
    for row in qs:
        grouped[row.hv_product_id].append(row)
    products = []
    for pid, rows in grouped.items():
        data = rows[0].product_data
        products.append(wire.hv_from_rows(pid, data, [(r, r.product_data.get("variant", {})) for r in rows]))
    return products


def observations(tenant: Tenant, kv_ids: Collection[int] | None = None) -> list[StockObservation]:
    qs = KvStock.objects.filter(tenant=tenant)
    if kv_ids is not None:
        qs = qs.filter(kv_id__in=list(kv_ids))
    by_row: dict[int, list[KvStock]] = defaultdict(list)
    for s in qs:
        by_row[s.kv_id].append(s)
    return [
        StockObservation(
            kv_id,
            max(s.version for s in items),
            tuple(
                KvInventory(s.branch_id, s.on_hand, s.reserved)
                for s in sorted(items, key=lambda s: s.branch_id)
            ),
        )
        for kv_id, items in by_row.items()
    ]


def rows_behind(tenant: Tenant, limit: int) -> set[int]:
    """Active rows not (yet) on Haravan as planned: never written, or whose last write failed."""
    behind = KvRow.objects.filter(
        tenant=tenant,
        deleted=False,
        is_active=True,
        opted_out=False,
        state__in=[RowState.PENDING, RowState.ERROR],
    )
    return set(behind.order_by("kv_id").values_list("kv_id", flat=True)[:limit])
