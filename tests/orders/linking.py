"""Catalogue mirrors for order tests, the benchmark and demos without the catalogue sync.

Orders resolve their lines through the product links that the catalogue flow maintains. Where
that flow has not run, :func:`mirror_and_link_by_sku` reads both catalogues through the clients
and links every Haravan variant whose SKU equals a KiotViet product code — the same key the
catalogue sync uses by default. Idempotent.
"""

from __future__ import annotations

from kiotsync.catalog.models import HvVariantRow, KvRow, VariantLinkRecord
from kiotsync.tenants.models import Tenant
from kiotsync.wiring import get_wiring


def mirror_and_link_by_sku(tenant: Tenant) -> int:
    """Returns the number of variant links."""
    wiring = get_wiring()
    kv = wiring.kiotviet(tenant)
    products = kv.list_products(include_inventory=False).items
    for p in products:
        KvRow.objects.update_or_create(
            tenant=tenant,
            kv_id=p.id,
            defaults={
                "code": p.code or "",
                "barcode": p.bar_code or "",
                "name": p.name or "",
                "full_name": p.full_name or p.name or "",
                "master_product_id": p.master_product_id,
                "master_unit_id": p.master_unit_id,
                "type": p.type or 2,
                "is_active": p.is_active is not False,
                "base_price": p.base_price or 0,
            },
        )
    by_code = {(p.code or "").lower(): p for p in products if p.code}
    hv = wiring.haravan(tenant)
    hv_products = hv.list_products()
    links = 0
    for product in hv_products:
        for v in product.variants:
            HvVariantRow.objects.update_or_create(
                tenant=tenant,
                hv_variant_id=v.id,
                defaults={
                    "hv_product_id": product.id,
                    "product_title": product.title or "",
                    "variant_title": v.title or "",
                    "sku": v.sku or "",
                    "barcode": v.barcode or "",
                    "price": v.price or 0,
                },
            )
            match = by_code.get((v.sku or "").lower())
            if match is None:
                continue
            VariantLinkRecord.objects.update_or_create(
                tenant=tenant,
                hv_variant_id=v.id,
                defaults={"kv_id": match.id, "kv_code": match.code or "", "hv_product_id": product.id},
            )
            links += 1
    return links
