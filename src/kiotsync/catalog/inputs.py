"""Load the planner's inputs from the mirrors and links (database → pure domain)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from kiotsync.core import catalog as core
from kiotsync.core.catalog import (
    Fingerprints,
    HvProduct,
    KvProduct,
    Link,
    ProductLink,
    StockObservation,
    VariantLink,
    version_from_datetime,
)
from kiotsync.core.catalog.domain import KvInventory
from kiotsync.core.catalog.settings import ALL_FIELDS, LinkKey, SyncField
from kiotsync.core.catalog.stock import StockCalculator
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


def core_settings(s: SyncSettings, inactive_branches: Collection[int] = ()) -> core.SyncSettings:
    """The planners' settings; ``inactive_branches``: KiotViet branches that stopped operating
    (:func:`kiotsync.connections.branches.inactive_branch_ids`), whose stock never counts."""
    fields = frozenset(field for flag, field in FLAG_TO_FIELD.items() if getattr(s, flag))
    return core.SyncSettings(
        link_key=LinkKey(s.link_key),
        synced_fields=fields if fields else frozenset(),
        price_book_id=s.price_book_id if s.price_source == SyncSettings.PriceSource.PRICE_BOOK else None,
        stock_branch_id=s.order_branch_id if s.stock_mode == SyncSettings.StockMode.ORDER_BRANCH else None,
        haravan_location_id=s.haravan_location_id or 0,
        order_branch_id=s.order_branch_id,
        inactive_branch_ids=frozenset(inactive_branches),
    )


__all__ = ["ALL_FIELDS", "PENDING", "PendingOrder", "core_settings"]


# -- pending units ----------------------------------------------------------------------------
@dataclass(frozen=True)
class PendingOrder:
    """An open Haravan order KiotViet does not reserve yet: its units per Haravan variant.

    ``sent_at``: its creation in KiotViet was sent then and is not answered yet (under way, or
    the answer was lost), so KiotViet may already hold it; None: KiotViet surely does not."""

    units: Mapping[int, int]
    sent_at: datetime | None = None


PendingSource = Callable[[Tenant], Iterable[PendingOrder]]


class PendingUnits:
    """The catalogue's hook for pending units: the orders feature, which knows the orders,
    provides the source at start-up (``OrdersConfig.ready()``; the catalogue cannot import the
    orders feature, which sits above it). Without a source nothing is pending."""

    def __init__(self) -> None:
        self._source: PendingSource | None = None

    def provide(self, source: PendingSource | None) -> None:
        self._source = source

    def orders(self, tenant: Tenant) -> list[PendingOrder]:
        return [] if self._source is None else list(self._source(tenant))


PENDING = PendingUnits()

#: Per pending order: its units per KiotViet row, and the version before which a stock
#: observation cannot show KiotViet's reservation of it (None: no creation sent).
RowUnits = tuple[dict[int, int], int | None]


def pending_orders(tenant: Tenant) -> list[RowUnits]:
    """The pending orders with their units per KiotViet row (through the variant links;
    unlinked variants count for nothing: their stock is not KiotSync's)."""
    orders = PENDING.orders(tenant)
    variants = {v for order in orders for v in order.units}
    if not variants:
        return []
    linked = VariantLinkRecord.objects.filter(tenant=tenant, hv_variant_id__in=list(variants))
    row_of = dict(linked.values_list("hv_variant_id", "kv_id"))
    out: list[RowUnits] = []
    for order in orders:
        units: dict[int, int] = defaultdict(int)
        for variant, count in order.units.items():
            if variant in row_of and count > 0:
                units[row_of[variant]] += count
        if units:
            out.append((dict(units), version_from_datetime(order.sent_at) if order.sent_at else None))
    return out


def pending_units(
    rows: Iterable[KvProduct], observations: Iterable[StockObservation], orders: Iterable[RowUnits]
) -> dict[int, int]:
    """Units per row that KiotViet does not reserve yet. An order whose creation in KiotViet is
    under way counts until a stock observation of a row holding its stock is newer than the
    moment it was sent: that observation may already show KiotViet's reservation, which must not
    be taken off a second time."""
    calculator = StockCalculator({r.id: r for r in rows}, {}, None)
    newest = {o.kv_product_id: o.version for o in observations}
    total: dict[int, int] = defaultdict(int)
    for units, sent in orders:
        if sent is not None and any(newest.get(h, sent - 1) >= sent for h in calculator.holder_units(units)):
            continue
        for row_id, count in units.items():
            total[row_id] += count
    return dict(total)


def with_stock_sources(tenant: Tenant, rows: list[KvProduct], more: Collection[int] = ()) -> list[KvProduct]:
    """``rows`` plus the rows ``more`` names, plus every row their stock comes from (base units,
    combo components, a few levels deep), loaded once each."""
    have = {r.id for r in rows}
    out = list(rows)
    wanted = set(more) - have
    for _ in range(4):
        wanted |= combo_components(out) | {r.master_unit_id for r in out if r.master_unit_id}
        wanted -= have
        if not wanted:
            break
        found = kv_rows(tenant, wanted, complete=True)
        have |= wanted
        out += found
        wanted = set()
    return out


def stock_holders(tenant: Tenant, kv_ids: Collection[int]) -> set[int]:
    """The rows holding the stock of ``kv_ids`` (a unit's base row, a combo's components…)."""
    rows = with_stock_sources(tenant, kv_rows(tenant, kv_ids, complete=True))
    calculator = StockCalculator({r.id: r for r in rows}, {}, None)
    return set(calculator.holder_units(dict.fromkeys(kv_ids, 1)))


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


def kv_rows(
    tenant: Tenant, kv_ids: Collection[int] | None = None, *, complete: bool = False
) -> list[KvProduct]:
    """Rows from the mirror (``complete``: only those stored with their data)."""
    qs = KvRow.objects.filter(tenant=tenant, deleted=False)
    if kv_ids is not None:
        qs = qs.filter(kv_id__in=list(kv_ids))
    data = qs.values_list("data", flat=True)
    return [wire.kv_from_json(d) for d in data if not complete or "id" in d]


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
    """Active rows not (yet) on Haravan as planned: never written, whose last write failed, or
    whose write was under way when its worker died (still ``planned``)."""
    behind = KvRow.objects.filter(
        tenant=tenant,
        deleted=False,
        is_active=True,
        opted_out=False,
        state__in=[RowState.PENDING, RowState.ERROR, RowState.PLANNED],
    )
    return set(behind.order_by("kv_id").values_list("kv_id", flat=True)[:limit])
