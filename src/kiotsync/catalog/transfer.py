"""Haravan → KiotViet ("Chuyển dữ liệu"): create a KiotViet product for every unlinked variant.

Variant groups are created master first, then siblings with ``masterProductId``; product type →
category (created when missing); a variant without SKU gets the code KiotViet assigns written
back to Haravan so the link holds. Creates are guarded by write intents (look before re-creating
after an unknown outcome). Stock stays KiotViet's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from kiotsync.bookkeeping import intents
from kiotsync.core.catalog import Fingerprints, LinkVariant, plan_haravan_to_kiotviet
from kiotsync.core.catalog.domain import KvCategory
from kiotsync.core.catalog.keys import normalize_key
from kiotsync.core.catalog.plan_transfer import (
    CreateKvCategory,
    CreateKvProducts,
    KvRowDraft,
    TransferPlan,
    WriteBackSku,
)
from kiotsync.core.catalog.status import RowState
from kiotsync.httpkit.errors import NotFoundError, PlatformError, TransientError
from kiotsync.kiotviet import models as kvw
from kiotsync.ports import Ports
from kiotsync.tenants.models import SyncSettings, Tenant

from . import ingest, inputs, wire
from .execute import event, link_variant
from .failures import explain
from .models import HvVariantRow, VariantLinkRecord
from .models import RowState as DbState

log = logging.getLogger(__name__)


@dataclass
class TransferOutcome:
    created: int = 0
    linked: int = 0
    skus_written: int = 0
    categories: int = 0
    failed: dict[int, str] = field(default_factory=dict)  # hv variant id → message


def plan(tenant: Tenant, ports: Ports) -> tuple[TransferPlan, list[KvCategory]]:
    settings = SyncSettings.objects.get(tenant=tenant)
    client = ports.kiotviet(tenant)
    categories = [KvCategory(c.id, c.name or "", c.parent_id) for c in client.list_categories()]
    hv_opt_outs: set[int] = set()
    result = plan_haravan_to_kiotviet(
        inputs.hv_products(tenant),
        inputs.kv_rows(tenant),
        inputs.links(tenant),
        categories,
        inputs.core_settings(settings),
        hv_opt_outs,
    )
    return result, categories


def count_work(p: TransferPlan) -> int:
    return sum(len(a.rows) if isinstance(a, CreateKvProducts) else 1 for a in p.actions)


def execute(
    tenant: Tenant,
    p: TransferPlan,
    categories: list[KvCategory],
    progress: Callable[[int], None],
    ports: Ports,
    *,
    opening_stock: bool = True,
) -> TransferOutcome:
    """Carry out a transfer plan. ``opening_stock``: each new KiotViet row starts with the
    Haravan on-hand of its variant at the chosen location, in the order branch (so the product
    keeps selling what the shop holds), else with nothing."""
    client = ports.kiotviet(tenant)
    hv_client = ports.haravan(tenant)
    opening = _opening_stock(tenant, hv_client, p) if opening_stock else None
    outcome = TransferOutcome()
    category_ids = {normalize_key(c.name): c.id for c in categories}
    created_codes: dict[int, str] = {}  # hv variant id → code of the KiotViet row made for it

    for action in p.actions:
        if isinstance(action, LinkVariant):
            link_variant(
                tenant, action.kv_product_id, action.hv_product_id, action.hv_variant_id, action.pushed
            )
            event(
                tenant,
                "link",
                kv_id=action.kv_product_id,
                product_id=action.hv_product_id,
                variant_id=action.hv_variant_id,
            )
            outcome.linked += 1
            progress(1)
        elif isinstance(action, CreateKvCategory):
            _create_category(tenant, client, action, category_ids, outcome)
            progress(1)
        elif isinstance(action, CreateKvProducts):
            _create_products(tenant, client, action, category_ids, created_codes, outcome, progress, opening)
        elif isinstance(action, WriteBackSku):
            code = action.code or created_codes.get(action.hv_variant_id)
            if code and action.hv_variant_id not in outcome.failed:
                try:
                    hv_client.update_variant(action.hv_variant_id, {"sku": code})
                    for row in HvVariantRow.objects.filter(tenant=tenant, hv_variant_id=action.hv_variant_id):
                        row.sku = code
                        row.save(update_fields=["sku", "updated_at"])
                    event(
                        tenant,
                        "write_back_sku",
                        product_id=action.hv_product_id,
                        variant_id=action.hv_variant_id,
                        call=f"PUT /com/variants/{action.hv_variant_id}.json",
                        changes={"sku": code},
                    )
                    outcome.skus_written += 1
                except PlatformError as exc:
                    outcome.failed[action.hv_variant_id] = explain(exc)
            progress(1)
    _record_statuses(tenant, p, outcome)
    return outcome


def _create_category(
    tenant: Tenant, client, action: CreateKvCategory, ids: dict[str, int], outcome: TransferOutcome
) -> None:  # type: ignore[no-untyped-def]
    key = normalize_key(action.name)
    if key in ids:
        return
    intent = f"kv:category:{key}"[:120]
    try:
        if not intents.claim(tenant.pk, intent):
            # An earlier run's intent: the category may exist already.
            for c in client.list_categories():
                if normalize_key(c.name or "") == key:
                    ids[key] = c.id
                    intents.settle(tenant.pk, intent)
                    return
        category = client.create_category(action.name)
    except PlatformError as exc:
        if not (isinstance(exc, TransientError) and exc.maybe_committed):
            intents.settle(tenant.pk, intent)
        log.warning("creating KiotViet category failed: %s", exc)
        return
    ids[key] = category.id
    intents.settle(tenant.pk, intent)
    event(tenant, "create_category", call="POST /categories", changes={"name": action.name})
    outcome.categories += 1


def _adopt(client, draft: KvRowDraft) -> kvw.Product | None:  # type: ignore[no-untyped-def]
    """After an unknown outcome: did KiotViet already create this row?"""
    if draft.code:
        try:
            return client.get_product_by_code(draft.code)  # type: ignore[no-any-return]
        except NotFoundError:
            return None
    linked = set()
    candidates = [p for p in client.list_products(name=draft.name) if (p.name or "") == draft.name]
    if candidates:
        linked = set(
            VariantLinkRecord.objects.filter(kv_id__in=[p.id for p in candidates]).values_list(
                "kv_id", flat=True
            )
        )
    free = [p for p in candidates if p.id not in linked]
    return free[-1] if len(free) == 1 else None


def _opening_stock(tenant: Tenant, hv_client: Any, p: TransferPlan) -> tuple[int, dict[int, int]] | None:
    """(order branch, Haravan variant → on-hand at the chosen location) for the rows to create;
    None when no order branch or location is set (the rows then start empty)."""
    settings = SyncSettings.objects.get(tenant=tenant)
    if not settings.order_branch_id or not settings.haravan_location_id:
        return None
    variants = [d.hv_variant_id for a in p.actions if isinstance(a, CreateKvProducts) for d in a.rows]
    levels = hv_client.inventory_locations(variants, [settings.haravan_location_id]) if variants else []
    return settings.order_branch_id, {lvl.variant_id: max(0, int(lvl.qty_onhand)) for lvl in levels}


def _create_products(
    tenant: Tenant,
    client,  # type: ignore[no-untyped-def]
    action: CreateKvProducts,
    category_ids: dict[str, int],
    created_codes: dict[int, str],
    outcome: TransferOutcome,
    progress: Callable[[int], None],
    opening: tuple[int, dict[int, int]] | None = None,
) -> None:
    master = action.master_product_id
    category_id = category_ids.get(normalize_key(action.category_name))
    for draft in action.rows:
        intent = f"kv:create:{draft.hv_variant_id}"
        try:
            product = None
            if not intents.claim(tenant.pk, intent):
                product = _adopt(client, draft)
            if product is None:
                body = wire.kv_create_body(
                    draft, category_id=category_id, has_variants=action.has_variants, master_product_id=master
                )
                if opening is not None:
                    branch, on_hand = opening
                    body["inventories"] = [
                        {"branchId": branch, "onHand": on_hand.get(draft.hv_variant_id, 0)}
                    ]
                product = client.create_product(body)
        except PlatformError as exc:
            if not (isinstance(exc, TransientError) and exc.maybe_committed):
                intents.settle(tenant.pk, intent)
            outcome.failed[draft.hv_variant_id] = explain(exc)
            event(
                tenant,
                "transfer",
                product_id=action.hv_product_id,
                variant_id=draft.hv_variant_id,
                call="POST /products",
                ok=False,
                error=outcome.failed[draft.hv_variant_id],
            )
            progress(1)
            if master is None:
                # Without its master row the group's other rows cannot join it: stop this product.
                for rest in action.rows:
                    outcome.failed.setdefault(rest.hv_variant_id, outcome.failed[draft.hv_variant_id])
                return
            continue
        if master is None and action.has_variants:
            master = product.id
        ingest.upsert_kv_rows(tenant, [wire.kv_product(product)])
        link_variant(tenant, product.id, action.hv_product_id, draft.hv_variant_id, _no_fingerprints())
        intents.settle(tenant.pk, intent)
        created_codes[draft.hv_variant_id] = product.code or ""
        event(
            tenant,
            "transfer",
            kv_id=product.id,
            product_id=action.hv_product_id,
            variant_id=draft.hv_variant_id,
            call="POST /products",
            changes={"code": product.code, "name": draft.name},
        )
        outcome.created += 1
        progress(1)


def _no_fingerprints() -> Fingerprints:
    return Fingerprints()


def _record_statuses(tenant: Tenant, p: TransferPlan, outcome: TransferOutcome) -> None:
    now = timezone.now()
    links = dict(VariantLinkRecord.objects.filter(tenant=tenant).values_list("hv_variant_id", "kv_id"))
    for status in p.statuses:
        state = str(status.state)
        error = outcome.failed.get(status.hv_variant_id, "")
        if error:
            state = DbState.ERROR
        elif state in (RowState.PLANNED, RowState.LINKED):
            state = DbState.LINKED if status.hv_variant_id in links else DbState.PENDING
        reason = status.reason
        HvVariantRow.objects.filter(tenant=tenant, hv_variant_id=status.hv_variant_id).update(
            state=state,
            reason_code=str(reason.code) if reason else "",
            reason_params=dict(reason.params) if reason else {},
            kv_id=links.get(status.hv_variant_id),
            last_error=error,
            updated_at=now,
        )
