"""Ticked-field drift: for linked products and variants, every field the merchant ticked
("KiotViet ghi đè lên Haravan") shows KiotViet's value on Haravan (docs/invariants.md, P2).

Haravan is read in full first (the mirror then holds what Haravan shows now, hand edits whose
webhook was lost included); then the product planner itself is asked what it would write
(:func:`kiotsync.core.catalog.plan_kiotviet_to_haravan`, nothing executed): its updates of
linked products and variants are exactly the ticked fields that differ (``diff_fields``: images,
re-hosted by Haravan, only when KiotViet's changed). Unticked fields are the merchant's on
Haravan and never drift. A field KiotSync had written with exactly the value KiotViet still has
was edited on Haravan (the cause names those fields); otherwise KiotViet changed and the write
has not happened yet.

Healing re-syncs the products' groups (``catalog.usecases.sync_products``, what "Đồng bộ lại"
and the Auto-sync poll run)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kiotsync.catalog import ingest, inputs, polling
from kiotsync.catalog import usecases as catalog
from kiotsync.catalog.models import KvRow
from kiotsync.core.catalog import plan_kiotviet_to_haravan
from kiotsync.core.catalog.actions import HideProduct, UpdateProduct, UpdateVariant
from kiotsync.core.catalog.domain import HvProduct
from kiotsync.core.catalog.fields import current_product_fields, current_variant_fields
from kiotsync.core.catalog.links import (
    FieldValue,
    Fingerprints,
    Link,
    ProductLink,
    VariantLink,
    fingerprint,
)
from kiotsync.ports import Ports
from kiotsync.tenants.models import SyncSettings, Tenant

from .check import Found, Seen
from .models import Drift

#: Products re-read per call (Haravan takes ≤ 50 ids and pages by 50).
REREAD_BATCH = 50
#: Field order on the screen (product fields, then the variant's).
FIELD_ORDER = (
    "title",
    "options",
    "body_html",
    "product_type",
    "images",
    "published",
    "sku",
    "barcode",
    "option_values",
    "price",
    "grams",
    "tracked",
)


def check_fields(tenant: Tenant, ports: Ports, *, heal: bool, seen: Seen) -> tuple[list[Found], int]:
    """Each linked product or variant whose ticked fields differ from KiotViet's values is a
    drift (the fields, KiotViet's and Haravan's values in ``detail``); healed by a re-sync of its
    group when ``heal``. Returns the drifts and how many links were compared."""
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    if settings is None or not settings.haravan_location_id:
        return [], 0
    polling.refresh_haravan(tenant, ports, full=True)
    seen.kv_rows_changed |= polling.refresh_price_book(tenant, ports)  # book edits move no product
    links = inputs.links(tenant)
    products = {p.id: p for p in inputs.hv_products(tenant)}
    drifts = _drifts(tenant, settings, links, products)
    if drifts:
        # The mirror may be behind Haravan (a webhook older than the full read landing after it):
        # what it says is checked again on the products themselves, read now.
        _reread(tenant, ports, products, {pid for _found, pid in drifts})
        drifts = _drifts(tenant, settings, links, products)
    found = [drift for drift, _pid in drifts]
    _name(tenant, found)
    for drift in found:
        drift.cause = _cause(drift, seen, heal)
    if heal and found:
        ids = {d.kv_id for d in found if d.kv_id is not None}
        try:
            outcome = catalog.sync_products(tenant, ids, ports).products
        except catalog.NotConfigured:
            outcome = None
        if outcome is not None:
            for drift in found:
                drift.healed = drift.kv_id not in outcome.failed_rows
    return found, sum(1 for lk in links if isinstance(lk, VariantLink))


def _drifts(
    tenant: Tenant, settings: SyncSettings, links: list[Link], products: dict[int, HvProduct]
) -> list[tuple[Found, int]]:
    """What the product planner would write to linked products and variants, as drifts (with
    their Haravan product)."""
    plan = plan_kiotviet_to_haravan(
        inputs.kv_rows(tenant),
        products.values(),
        links,
        inputs.core_settings(settings),
        inputs.opt_outs(tenant),
        timezone.now(),
        deleted_kv_ids=inputs.deleted_kv_ids(tenant),
    )
    variant_links = {lk.kv_product_id: lk for lk in links if isinstance(lk, VariantLink)}
    product_links = {(lk.kv_group_id, lk.hv_product_id): lk for lk in links if isinstance(lk, ProductLink)}
    out = []
    for action in plan.actions:
        drift = _drift(action, products, variant_links, product_links)
        if drift is not None and isinstance(action, (UpdateVariant, UpdateProduct, HideProduct)):
            out.append((drift, action.hv_product_id))
    return out


def _reread(tenant: Tenant, ports: Ports, products: dict[int, HvProduct], ids: set[int]) -> None:
    """Read these products from Haravan (≤ 50 a call), into the mirror and ``products``."""
    client = ports.haravan(tenant)
    wanted = sorted(ids)
    fresh: list[HvProduct] = []
    for start in range(0, len(wanted), REREAD_BATCH):
        fresh += ingest.hv_products_from_wire(client.iter_products(ids=wanted[start : start + REREAD_BATCH]))
    ingest.upsert_hv_products(tenant, fresh)
    for pid in wanted:
        products.pop(pid, None)  # gone since the full read: no longer compared
    products.update({p.id: p for p in fresh})


def _drift(
    action: object,
    products: Mapping[int, HvProduct],
    variant_links: Mapping[int, VariantLink],
    product_links: Mapping[tuple[int, int], ProductLink],
) -> Found | None:
    """The drift an update of a linked product or variant stands for (None: another action)."""
    if isinstance(action, UpdateVariant):
        link = variant_links.get(action.kv_product_id)
        product = products.get(action.hv_product_id)
        variant = (
            next((v for v in product.variants if v.id == action.hv_variant_id), None) if product else None
        )
        if link is None or variant is None:
            return None  # not linked yet: a product still to link or create (check_products)
        desired = action.changes.as_dict()
        current = current_variant_fields(variant).as_dict()
        return _found(action.kv_product_id, action.hv_variant_id, desired, current, link.pushed)
    if isinstance(action, (UpdateProduct, HideProduct)):
        plink = product_links.get((action.kv_group_id, action.hv_product_id))
        product = products.get(action.hv_product_id)
        if plink is None or product is None:
            return None
        desired = action.changes.as_dict() if isinstance(action, UpdateProduct) else {"published": False}
        current = current_product_fields(product).as_dict()
        return _found(action.kv_group_id, None, desired, current, plink.pushed)
    return None


def _found(
    kv_id: int,
    hv_variant_id: int | None,
    desired: Mapping[str, FieldValue],
    current: Mapping[str, FieldValue],
    pushed: Fingerprints,
) -> Found | None:
    names = sorted(desired, key=lambda n: FIELD_ORDER.index(n) if n in FIELD_ORDER else len(FIELD_ORDER))
    if not names:
        return None
    fields = {
        name: {
            "kv": _jsonable(desired[name]),
            "hv": _jsonable(current.get(name)),
            # KiotSync had written this very value: Haravan's differs since then.
            "written": pushed.get(name) == fingerprint(desired[name]),
        }
        for name in names
    }
    return Found(
        Drift.Kind.PRODUCT_FIELDS,
        Drift.Cause.HARAVAN_EDIT,
        str(kv_id),
        kv_id=kv_id,
        hv_variant_id=hv_variant_id,
        expected=" · ".join(_plain(desired[n]) for n in names),
        actual=" · ".join(_plain(current.get(n)) for n in names),
        detail={"fields": fields},
    )


def _cause(drift: Found, seen: Seen, heal: bool) -> str:
    if any(f["written"] for f in drift.detail["fields"].values()):
        return Drift.Cause.HARAVAN_EDIT
    if drift.kv_id in seen.kv_rows_changed:
        return Drift.Cause.MISSED_WEBHOOK
    return Drift.Cause.KIOTVIET_CHANGED if heal else Drift.Cause.NOT_SYNCED


def _name(tenant: Tenant, found: list[Found]) -> None:
    """Subjects in the merchant's words: the KiotViet code and name."""
    rows = {
        kv_id: (code, name)
        for kv_id, code, name in KvRow.objects.filter(
            tenant=tenant, kv_id__in=[f.kv_id for f in found if f.kv_id is not None]
        ).values_list("kv_id", "code", "name")
    }
    for drift in found:
        if drift.kv_id in rows:
            code, name = rows[drift.kv_id]
            drift.subject = f"{code} · {name}"


def _jsonable(value: FieldValue | None) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _plain(value: FieldValue | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"
