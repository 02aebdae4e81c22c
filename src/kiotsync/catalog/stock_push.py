"""Push KiotViet stock to the chosen Haravan location.

Target per linked variant = max(0, onHand − reserved) over all branches or the chosen one
(units and combos converted by the planner). Haravan's *available* must equal the target
whatever Haravan has committed to its own open orders, so the on-hand written with
``adjustorset type=set`` is target + committed (read from ``inventory_locations``). Only changed
quantities are written, ≤ 100 lines per call, and never from data older than what was applied.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.db import connection, transaction
from django.utils import timezone

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
from .models import KvStock, VariantLinkRecord

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
    """Plan and write stock for ``kv_ids`` (None: every linked row).

    ``fresh_variants``: Haravan variants created in this run — known to hold nothing and
    have nothing committed, so their balances are not read back (saves calls).
    ``whole_groups=False`` (stock-only changes): take just the rows whose stock depends on
    ``kv_ids`` instead of their whole variant groups — siblings' balances are not read.
    ``client``: the shop's Haravan client.
    """
    settings = SyncSettings.objects.get(tenant=tenant)
    outcome = StockOutcome()
    if not settings.sync_stock or not settings.haravan_location_id:
        return outcome
    if kv_ids is None:
        scope = None
    elif whole_groups:
        scope = inputs.expand_groups(tenant, kv_ids)
    else:
        scope = inputs.stock_dependents(tenant, kv_ids)
    rows = inputs.kv_rows(tenant, scope)
    if scope is not None:
        extra = inputs.combo_components(rows) - {r.id for r in rows}
        base_units = {r.master_unit_id for r in rows if r.master_unit_id} - {r.id for r in rows}
        if extra or base_units:
            rows += inputs.kv_rows(tenant, extra | base_units)
    ids = {r.id for r in rows}
    links = inputs.links(tenant) if scope is None else inputs.links(tenant, ids)
    variant_links = [link for link in links if isinstance(link, VariantLink) and link.kv_product_id in ids]
    if not variant_links:
        _mark_clean(tenant, ids, None)
        return outcome
    version_cut = max((o.version for o in inputs.observations(tenant, ids)), default=0)
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
        inputs.observations(tenant, ids),
        links,
        levels,
        inputs.core_settings(settings),
        inputs.opt_outs(tenant),
        deleted_kv_ids=inputs.deleted_kv_ids(tenant, ids),
    )
    _execute(tenant, client, plan, outcome)
    if not outcome.failed:
        _mark_clean(tenant, ids, version_cut)
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
