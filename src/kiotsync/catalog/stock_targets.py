"""What Haravan should show as available for every linked tracked variant, computed exactly as
:func:`.stock_push.sync_stock` computes it — the same inputs (rows with their stock sources,
deleted rows, the newest observations, pending units of open Haravan orders, inactive branches)
and the same planner (:func:`kiotsync.core.catalog.plan_stock`) — but writing nothing.

The planner is asked as if nothing had been written yet (each link's remembered target and basis
left out), so every row it can compute comes back with its target, whether Haravan already shows
it (an ack) or not (a line). Used by reconciliation (:mod:`kiotsync.reconcile`) to compare
Haravan's balances with the promise (docs/invariants.md, S1)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiotsync.connections.branches import inactive_branch_ids
from kiotsync.core.catalog import plan_stock
from kiotsync.core.catalog.domain import HvInventoryLevel
from kiotsync.core.catalog.links import VariantLink
from kiotsync.haravan.client import HaravanClient
from kiotsync.tenants.models import SyncSettings, Tenant

from . import inputs, wire
from .models import HvVariantRow


@dataclass(frozen=True)
class VariantStock:
    """One linked tracked variant: the target (what Haravan's available should be) and what
    Haravan shows at the chosen location."""

    kv_id: int
    hv_product_id: int
    hv_variant_id: int
    target: int
    on_hand: int
    committed: int
    #: The target KiotSync last wrote (None: none yet, or forgotten).
    written: int | None
    #: Units of open Haravan orders KiotViet does not reserve yet, on this row (taken off).
    pending: int
    #: The row was deleted in KiotViet (its target is 0).
    deleted: bool = False

    @property
    def available(self) -> int:
        return self.on_hand - self.committed


def expected_stock(tenant: Tenant, client: HaravanClient) -> list[VariantStock]:
    """Every linked variant whose stock KiotSync keeps (stock ticked, a location chosen, the
    Haravan variant tracked, the row not excluded), with its target and Haravan's balance.
    Balances are read ≤ 50 variants per call (the client pages them). Raises the client's
    :class:`~kiotsync.httpkit.errors.PlatformError` when Haravan cannot be read."""
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    if settings is None or not settings.haravan_location_id or not settings.sync_stock:
        return []
    location = settings.haravan_location_id
    rows = inputs.kv_rows(tenant)
    deleted = inputs.deleted_kv_ids(tenant)
    ids = {r.id for r in rows} | deleted
    orders = inputs.pending_orders(tenant)
    rows = inputs.with_stock_sources(tenant, rows, {r for units, _sent in orders for r in units} - ids)
    untracked = _untracked_variants(tenant)
    links = [
        link
        for link in inputs.links(tenant)
        if isinstance(link, VariantLink) and link.kv_product_id in ids and link.hv_variant_id not in untracked
    ]
    if not links:
        return []
    observations = inputs.observations(tenant, {r.id for r in rows})
    pending = inputs.pending_units(rows, observations, orders)
    levels = {
        level.variant_id: level
        for level in (
            wire.hv_level(loc)
            for loc in client.inventory_locations([link.hv_variant_id for link in links], [location])
        )
        if level.location_id == location
    }
    plan = plan_stock(
        rows,
        observations,
        [replace(link, stock_target=None, stock_basis=()) for link in links],
        levels.values(),
        inputs.core_settings(settings, inactive_branch_ids(tenant)),
        inputs.opt_outs(tenant),
        deleted_kv_ids=deleted,
        pending_units=pending,
    )
    targets = {line.kv_product_id: line.target for line in plan.lines}
    targets |= {ack.kv_product_id: ack.target for ack in plan.acks}
    out = []
    for link in sorted(links, key=lambda lk: lk.kv_product_id):
        if link.kv_product_id not in targets:
            continue  # excluded, a service, or stock that cannot be computed (the row says why)
        level = levels.get(link.hv_variant_id) or HvInventoryLevel(
            location, link.hv_product_id, link.hv_variant_id, 0, 0
        )
        out.append(
            VariantStock(
                link.kv_product_id,
                link.hv_product_id,
                link.hv_variant_id,
                targets[link.kv_product_id],
                level.on_hand,
                level.committed,
                link.stock_target,
                int(pending.get(link.kv_product_id, 0)),
                link.kv_product_id in deleted,
            )
        )
    return out


def _untracked_variants(tenant: Tenant) -> set[int]:
    """Haravan variants whose stock Haravan does not track (``inventory_management`` empty)."""
    rows = HvVariantRow.objects.filter(tenant=tenant, deleted=False).values_list(
        "hv_variant_id", "product_data"
    )
    return {vid for vid, data in rows if ((data or {}).get("variant") or {}).get("tracked") is False}
