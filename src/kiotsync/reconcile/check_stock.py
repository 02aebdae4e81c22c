"""Stock drift: for every linked tracked variant, Haravan's available at the chosen location
against what the stock formula says it should be (docs/invariants.md, S1) — computed by the
stock push's own inputs and planner (:func:`kiotsync.catalog.stock_targets.expected_stock`), so
units, combos, the stock mode, inactive branches and the pending units of Haravan orders KiotViet
does not reserve yet count exactly as they do when stock is written. Skipped, as the push skips
them: stock unticked, no location chosen, untracked variants, excluded rows, services.

Healing is the path a stock webhook takes: the rows' stock is marked dirty and the shop's stock
flush is woken; what the link remembers of the last write is forgotten first, so the planner
writes even when the target did not move (a hand edit on Haravan)."""

from __future__ import annotations

import logging
from collections.abc import Collection

from django.db import transaction

from kiotsync.catalog import inputs
from kiotsync.catalog import usecases as catalog
from kiotsync.catalog.models import KvRow, KvStock, VariantLinkRecord
from kiotsync.catalog.stock_targets import VariantStock, expected_stock
from kiotsync.ports import Ports
from kiotsync.tenants.models import Tenant

from .check import Found, Seen
from .models import Drift

log = logging.getLogger(__name__)


def check_stock(tenant: Tenant, ports: Ports, *, heal: bool, seen: Seen) -> tuple[list[Found], int]:
    """Each linked tracked variant whose Haravan available differs from its target is a drift,
    with its cause; healed by a stock write when ``heal``. Returns the drifts and how many
    variants were compared."""
    variants = expected_stock(tenant, ports.haravan(tenant))
    off = [v for v in variants if v.available != v.target]
    if not off:
        return [], len(variants)
    holders = _holders_of(tenant, {v.kv_id for v in off})
    dirty = set(KvStock.objects.filter(tenant=tenant, dirty=True).values_list("kv_id", flat=True))
    names = {
        kv_id: f"{code} · {name}"
        for kv_id, code, name in KvRow.objects.filter(
            tenant=tenant, kv_id__in=[v.kv_id for v in off]
        ).values_list("kv_id", "code", "name")
    }
    found = [
        Found(
            Drift.Kind.STOCK,
            _cause(v, holders.get(v.kv_id, {v.kv_id}), dirty, seen, heal),
            names.get(v.kv_id) or str(v.kv_id),
            kv_id=v.kv_id,
            hv_variant_id=v.hv_variant_id,
            expected=str(v.target),
            actual=str(v.available),
            detail={
                "on_hand": v.on_hand,
                "committed": v.committed,
                "pending": v.pending,
                "written": v.written,
                "deleted": v.deleted,
            },
        )
        for v in off
    ]
    if heal:
        healable = [f.kv_id for f in found if f.kv_id is not None and f.cause != Drift.Cause.ORDER_NOT_IN_KV]
        if rewrite_stock(tenant, healable, ports):
            for f in found:
                f.healed = f.kv_id in healable
    return found, len(variants)


def _holders_of(tenant: Tenant, kv_ids: Collection[int]) -> dict[int, set[int]]:
    """Per row, the rows its stock comes from (itself, its base row, a combo's components)."""
    return {kv_id: inputs.stock_holders(tenant, {kv_id}) | {kv_id} for kv_id in kv_ids}


def _cause(v: VariantStock, holders: set[int], dirty: set[int], seen: Seen, heal: bool) -> str:
    """Why Haravan shows another figure, in the order the facts decide it:

    * Haravan sold more than the formula knows of (available below the target) and some of this
      variant's orders have no link: an order not recorded in KiotViet yet;
    * the full KiotViet read found this stock changed: its webhook was lost;
    * KiotViet's stock changed and was not written yet (Auto-sync off: not synced);
    * KiotSync had written exactly this target and Haravan shows another: edited by hand;
    * otherwise the target moved and was not written yet."""
    if v.available < v.target and v.hv_variant_id in seen.unlinked_order_variants:
        return Drift.Cause.ORDER_NOT_IN_KV
    if holders & seen.kv_stock_changed:
        return Drift.Cause.STOCK_WEBHOOK
    if holders & dirty or v.written != v.target:
        return Drift.Cause.KIOTVIET_CHANGED if heal else Drift.Cause.NOT_SYNCED
    return Drift.Cause.STOCK_EDIT


def rewrite_stock(tenant: Tenant, kv_ids: Collection[int], ports: Ports) -> bool:
    """Write these rows' stock again through the normal flush: what their links remember of the
    last write is forgotten (so the planner writes even an unchanged target), the rows holding
    their stock are marked dirty, and the shop's flush is woken after the commit (as a stock
    webhook wakes it). Returns whether anything was marked."""
    ids = set(kv_ids)
    if not ids:
        return False
    holders = inputs.stock_holders(tenant, ids) | ids
    with transaction.atomic():
        forgotten = VariantLinkRecord.objects.filter(tenant=tenant, kv_id__in=list(ids)).update(
            stock_target=None, stock_basis=[]
        )
        marked = KvStock.objects.filter(tenant=tenant, kv_id__in=list(holders)).update(dirty=True)
        transaction.on_commit(lambda: catalog.request_stock_flush(tenant.pk, ports))
    log.info("stock written again for %d rows (%d stock rows marked)", forgotten, marked)
    return bool(forgotten or marked)
