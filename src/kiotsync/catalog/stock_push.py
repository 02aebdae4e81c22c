"""Push KiotViet stock to the chosen Haravan location.

Target per linked variant = what Haravan may sell: KiotViet's available stock (per active
branch, or the chosen one; units and combos converted by the planner) minus the units of open
Haravan orders KiotViet does not reserve yet (:data:`.inputs.PENDING`, filled by the orders
feature). Haravan's *available* must equal the target whatever Haravan has committed to its own
open orders, so the on-hand written with ``adjustorset type=set`` is target + committed (read
from ``inventory_locations``). Only changed quantities are written, ≤ 100 lines per call, and
never from data older than what was applied. A variant whose KiotViet row was deleted goes to 0.
With stock unticked only the variants KiotSync created get a first write (they start with
KiotViet's stock); Haravan's stock is the merchant's after that.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from kiotsync.connections.branches import inactive_branch_ids
from kiotsync.core.catalog import StockPlan, plan_stock
from kiotsync.core.catalog.domain import HvInventoryLevel
from kiotsync.core.catalog.links import VariantLink
from kiotsync.haravan.client import HaravanClient
from kiotsync.haravan.client import StockLine as WireLine
from kiotsync.httpkit.errors import PlatformError
from kiotsync.tenants.models import SyncSettings, Tenant

from . import inputs, wire
from .execute import event
from .failures import explain
from .models import KvStock, SyncEvent, VariantLinkRecord

if TYPE_CHECKING:
    from django.db.models import Field

log = logging.getLogger(__name__)


@dataclass
class StockOutcome:
    lines: int = 0
    batches: int = 0
    acks: int = 0
    failed: int = 0
    level_reads: int = 0
    error: str = ""


def sync_stock(
    tenant: Tenant,
    kv_ids: Collection[int] | None = None,
    *,
    fresh_variants: Collection[int] = (),
    whole_groups: bool = True,
    client: HaravanClient,
) -> StockOutcome:
    """Plan and write stock for ``kv_ids`` (None: every linked row, deleted ones included).

    ``fresh_variants``: Haravan variants created in this run — known to hold nothing and
    have nothing committed, so their balances are not read back (saves calls).
    ``whole_groups=False`` (stock-only changes): take just the rows whose stock depends on
    ``kv_ids`` instead of their whole variant groups — siblings' balances are not read.
    ``client``: the shop's Haravan client.
    """
    settings = SyncSettings.objects.get(tenant=tenant)
    outcome = StockOutcome()
    if not settings.haravan_location_id:
        return outcome
    if kv_ids is None:
        scope = None
    elif whole_groups:
        scope = inputs.expand_groups(tenant, kv_ids)
    else:
        scope = inputs.stock_dependents(tenant, kv_ids)
    rows = inputs.kv_rows(tenant, scope)
    if scope is not None:
        rows = inputs.with_stock_sources(tenant, rows)
    deleted = inputs.deleted_kv_ids(tenant, scope)
    ids = {r.id for r in rows} | deleted
    if kv_ids is not None:
        # Stock of rows the mirror does not know (a stock.update before its product.update): nothing
        # to plan from; the product's own sync plans it when the row arrives. Left dirty, every
        # flush would find it again and wake the next one for ever.
        _mark_clean(tenant, set(kv_ids) - ids, None)
    orders = inputs.pending_orders(tenant)
    # Rows ordered on Haravan and not reserved in KiotViet share stock with rows planned here
    # (a combo and its components, a unit and its base): the planner needs them, not their links.
    rows = inputs.with_stock_sources(tenant, rows, {r for units, _sent in orders for r in units} - ids)
    links = inputs.links(tenant) if scope is None else inputs.links(tenant, ids)
    variant_links = [
        link
        for link in links
        if isinstance(link, VariantLink)
        and link.kv_product_id in ids
        and not (link.kv_product_id in deleted and link.stock_target == 0)  # already 0
    ]
    if not settings.sync_stock:
        variant_links = _first_writes(tenant, variant_links, fresh_variants)
    if not variant_links:
        _mark_clean(tenant, ids, None)
        return outcome
    observations = inputs.observations(tenant, {r.id for r in rows})
    pending = inputs.pending_units(rows, observations, orders)
    version_cut = max((o.version for o in observations if o.kv_product_id in ids), default=0)
    location = settings.haravan_location_id
    fresh = set(fresh_variants)
    to_read = [link.hv_variant_id for link in variant_links if link.hv_variant_id not in fresh]
    try:
        levels = (
            [wire.hv_level(loc) for loc in client.inventory_locations(to_read, [location])] if to_read else []
        )
    except PlatformError as exc:
        outcome.error = explain(exc)
        log.warning("reading Haravan stock failed: %s", exc)
        return outcome
    outcome.level_reads = (len(to_read) + 49) // 50
    levels += [
        HvInventoryLevel(location, link.hv_product_id, link.hv_variant_id, 0, 0)
        for link in variant_links
        if link.hv_variant_id in fresh
    ]
    plan = plan_stock(
        rows,
        observations,
        variant_links,
        levels,
        inputs.core_settings(settings, inactive_branch_ids(tenant)),
        inputs.opt_outs(tenant),
        deleted_kv_ids=deleted,
        pending_units=pending,
    )
    _execute(tenant, client, plan, outcome)
    if not outcome.failed:
        _mark_clean(tenant, ids, version_cut)
    return outcome


def _first_writes(
    tenant: Tenant, links: list[VariantLink], fresh_variants: Collection[int]
) -> list[VariantLink]:
    """Stock unticked: only variants KiotSync created (this run, or earlier: its history says
    so) and never written get their one write, so they start with KiotViet's stock. A variant
    that was on Haravan before and got linked keeps the merchant's stock."""
    never = [link for link in links if link.stock_target is None]
    if not never:
        return []
    products = {link.hv_product_id for link in never}
    variants = {link.hv_variant_id for link in never}
    created = SyncEvent.objects.filter(tenant=tenant, ok=True).filter(
        Q(action__in=("create", "adopt"), hv_product_id__in=products)
        | Q(action="add_variant", hv_variant_id__in=variants)
    )
    made_products: set[int] = set()
    made = set(fresh_variants)
    for action, product_id, variant_id in created.values_list("action", "hv_product_id", "hv_variant_id"):
        if action == "add_variant" and variant_id is not None:
            made.add(variant_id)
        elif product_id is not None:
            made_products.add(product_id)
    return [link for link in never if link.hv_variant_id in made or link.hv_product_id in made_products]


def zero_location(tenant: Tenant, location_id: int, *, client: HaravanClient) -> StockOutcome:
    """Stop selling at ``location_id`` (a stock location the shop moved away from): every linked
    variant KiotSync has written stock for and still available there gets on-hand = committed,
    i.e. 0 available, while orders already committed there can still be fulfilled. Other Haravan
    products, and linked ones whose stock the merchant keeps (stock unticked), are left alone."""
    outcome = StockOutcome()
    ours = VariantLinkRecord.objects.filter(tenant=tenant)
    if not SyncSettings.objects.filter(tenant=tenant, sync_stock=True).exists():
        ours = ours.filter(stock_pushed_at__isnull=False)  # only the variants KiotSync wrote
    variants = list(ours.values_list("hv_variant_id", flat=True))
    try:
        levels = (
            [wire.hv_level(loc) for loc in client.inventory_locations(variants, [location_id])]
            if variants
            else []
        )
    except PlatformError as exc:
        outcome.error = explain(exc)
        return outcome
    outcome.level_reads = (len(variants) + 49) // 50
    selling = sorted(
        (lv for lv in levels if lv.location_id == location_id and lv.available > 0),
        key=lambda lv: (lv.product_id, lv.variant_id),
    )
    lines = [WireLine(lv.product_id, lv.variant_id, max(0, lv.committed)) for lv in selling]
    for start in range(0, len(lines), 100):
        batch = lines[start : start + 100]
        try:
            client.adjust_or_set(location_id, batch, type="set", note="KiotSync: ngừng bán ở kho cũ")
        except PlatformError as exc:
            outcome.failed += len(batch)
            outcome.error = explain(exc)
            continue
        outcome.batches += 1
        outcome.lines += len(batch)
    event(
        tenant,
        "stock",
        ok=not outcome.failed,
        call="POST /com/inventories/adjustorset.json",
        changes={"location_id": location_id, "zeroed": outcome.lines},
        error=outcome.error,
    )
    return outcome


def _execute(tenant: Tenant, client, plan: StockPlan, outcome: StockOutcome) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    for batch in plan.batches:
        wire = [WireLine(line.product_id, line.variant_id, line.quantity) for line in batch.lines]
        try:
            client.adjust_or_set(batch.location_id, wire, type="set", note="KiotSync: tồn kho từ KiotViet")
        except PlatformError as exc:
            outcome.failed += len(batch.lines)
            outcome.error = explain(exc)
            event(
                tenant,
                "stock",
                ok=False,
                call="POST /com/inventories/adjustorset.json",
                error=outcome.error,
                changes={"lines": len(batch.lines)},
            )
            continue
        outcome.batches += 1
        outcome.lines += len(batch.lines)
        _record_targets(tenant, [(line.kv_product_id, line.target, line.basis) for line in batch.lines], now)
        if len(batch.lines) <= 20:
            for line in batch.lines:
                event(
                    tenant,
                    "stock",
                    kv_id=line.kv_product_id,
                    product_id=line.product_id,
                    variant_id=line.variant_id,
                    call="POST /com/inventories/adjustorset.json",
                    changes={"available": line.target, "on_hand_set": line.quantity},
                )
        else:
            event(
                tenant,
                "stock",
                call="POST /com/inventories/adjustorset.json",
                changes={"lines": len(batch.lines)},
            )
    acks = list(plan.acks)
    for start in range(0, len(acks), 500):
        _record_targets(
            tenant, [(a.kv_product_id, a.target, a.basis) for a in acks[start : start + 500]], None
        )
    outcome.acks += len(acks)


def _record_targets(tenant: Tenant, targets: list[tuple[int, int, Any]], pushed_at: datetime | None) -> None:
    """Store each row's applied target and basis (and when it was pushed).

    One prepared UPDATE run for all rows (``executemany``): the ORM's ``bulk_update`` builds a
    CASE expression per row and field and costs more than the writes themselves."""
    if not targets:
        return
    meta = VariantLinkRecord._meta
    qn = connection.ops.quote_name
    names = ["stock_target", "stock_basis"] + (["stock_pushed_at"] if pushed_at is not None else [])
    fields = [cast("Field[Any, Any]", meta.get_field(name)) for name in names]
    sets = ", ".join(f"{qn(str(f.column))} = %s" for f in fields)
    tenant_col, kv_col = (
        qn(str(cast("Field[Any, Any]", meta.get_field(n)).column)) for n in ("tenant", "kv_id")
    )
    sql = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {tenant_col} = %s AND {kv_col} = %s"
    params = []
    for kv_id, target, basis in targets:
        values: list[Any] = [target, [list(b) for b in basis]] + (
            [pushed_at] if pushed_at is not None else []
        )
        prepared = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
        params.append([*prepared, tenant.pk, kv_id])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _mark_clean(tenant: Tenant, ids: Collection[int], version_cut: int | None) -> None:
    qs = KvStock.objects.filter(tenant=tenant, kv_id__in=list(ids), dirty=True)
    if version_cut is not None:
        qs = qs.filter(version__lte=version_cut)
    qs.update(dirty=False)


def dirty_rows(tenant: Tenant, limit: int = 5000) -> list[int]:
    return list(
        KvStock.objects.filter(tenant=tenant, dirty=True).values_list("kv_id", flat=True).distinct()[:limit]
    )


def dirty_count(tenant: Tenant) -> int:
    return KvStock.objects.filter(tenant=tenant, dirty=True).values("kv_id").distinct().count()
