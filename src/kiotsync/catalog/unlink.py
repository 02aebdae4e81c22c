"""A linked product deleted on Haravan: its links go and its KiotViet group stops syncing.

The merchant deleted it on Haravan, so KiotSync does not put it back on sale by itself: the
group is excluded from sync ("Không đồng bộ", the switch on the product page), with an entry in
its timeline. Turning sync back on creates it on Haravan again.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kiotsync.core.catalog.reasons import ReasonCode
from kiotsync.httpkit.errors import NotFoundError
from kiotsync.tenants.models import Tenant

from . import ingest, inputs, wire
from .execute import event
from .models import KvRow, ProductLinkRecord, RowState, VariantLinkRecord


def forget_deleted_haravan_product(tenant: Tenant, hv_product_id: int) -> set[int]:
    """Drop the links to ``hv_product_id`` and exclude their KiotViet groups from sync; returns
    the KiotViet rows it concerned."""
    with transaction.atomic():
        kv_ids = set(
            VariantLinkRecord.objects.filter(tenant=tenant, hv_product_id=hv_product_id).values_list(
                "kv_id", flat=True
            )
        )
        groups = set(
            ProductLinkRecord.objects.filter(tenant=tenant, hv_product_id=hv_product_id).values_list(
                "kv_group_id", flat=True
            )
        )
        if not kv_ids and not groups:
            return set()
        rows = inputs.expand_groups(tenant, kv_ids | groups)
        VariantLinkRecord.objects.filter(tenant=tenant, hv_product_id=hv_product_id).delete()
        ProductLinkRecord.objects.filter(tenant=tenant, hv_product_id=hv_product_id).delete()
        KvRow.objects.filter(tenant=tenant, kv_id__in=rows).update(
            opted_out=True,
            state=RowState.OPTED_OUT,
            reason_code=ReasonCode.DELETED_ON_HARAVAN,
            reason_params={},
        )
        for kv_id in sorted(kv_ids or groups):
            event(tenant, "deleted_on_haravan", kv_id=kv_id, product_id=hv_product_id)
    return rows


def drop_vanished_links(tenant: Tenant, kv_ids: set[int], client: Any) -> int:
    """ "Đồng bộ lại" of a product whose linked Haravan product or variant is gone: Haravan is read
    again, and links to what no longer exists are dropped (with an entry in the timeline), so the
    sync that follows recreates it. Returns how many links were dropped."""
    dropped = 0
    links = VariantLinkRecord.objects.filter(tenant=tenant, kv_id__in=kv_ids)
    for hv_product_id in sorted(set(links.values_list("hv_product_id", flat=True))):
        try:
            product = client.get_product(hv_product_id)
        except NotFoundError:
            ingest.mark_hv_product_deleted(tenant, hv_product_id)
            existing: set[int] = set()
        else:
            ingest.upsert_hv_products(tenant, [wire.hv_product(product)])
            existing = {v.id for v in product.variants}
        for link in links.filter(hv_product_id=hv_product_id).exclude(hv_variant_id__in=existing):
            link.delete()
            event(
                tenant,
                "unlink_vanished",
                kv_id=link.kv_id,
                product_id=hv_product_id,
                variant_id=link.hv_variant_id,
            )
            dropped += 1
        if not existing:
            ProductLinkRecord.objects.filter(tenant=tenant, hv_product_id=hv_product_id).delete()
    return dropped
