"""A retailer switch (:mod:`kiotsync.connections.switch`): the catalogue retires what belonged
to the old KiotViet retailer — its product mirror and stock, the links (kept as a snapshot on
the switch record), create intents, delta cursors — and keeps the Haravan mirror (same shop)
and the sync history. The next Sync now links the new retailer's products by the link key."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from kiotsync.bookkeeping.models import StreamState, WriteIntent
from kiotsync.tenants.models import RetailerSwitch, Tenant

from .models import HvVariantRow, KvRow, KvStock, ProductLinkRecord, RowState, SyncJob, VariantLinkRecord

#: How many old links the switch record keeps by name (the counts are always complete).
SNAPSHOT_LINKS = 5000


def retire_catalogue(sender: object, tenant: Tenant, switch: RetailerSwitch, **kwargs: Any) -> dict[str, Any]:
    links = list(
        VariantLinkRecord.objects.filter(tenant=tenant).values_list(
            "kv_code", "hv_product_id", "hv_variant_id"
        )[:SNAPSHOT_LINKS]
    )
    counts = {
        "variant_links": VariantLinkRecord.objects.filter(tenant=tenant).delete()[0],
        "product_links": ProductLinkRecord.objects.filter(tenant=tenant).delete()[0],
        "kiotviet_products": KvRow.objects.filter(tenant=tenant).delete()[0],
        "kiotviet_stock_rows": KvStock.objects.filter(tenant=tenant).delete()[0],
        "create_intents": WriteIntent.objects.filter(tenant=tenant)
        .filter(Q(key__startswith="hv:") | Q(key__startswith="kv:"))
        .delete()[0],
    }
    StreamState.objects.filter(
        tenant=tenant,
        stream__in=[
            StreamState.Stream.PRODUCTS_KV_TO_HV,
            StreamState.Stream.STOCK,
            StreamState.Stream.PRODUCTS_HV_TO_KV,
        ],
    ).update(cursor="")
    # The Haravan mirror stays (same shop); nothing in it is linked any more.
    HvVariantRow.objects.filter(tenant=tenant).update(
        kv_id=None, state=RowState.PENDING, reason_code="", reason_params={}
    )
    SyncJob.objects.filter(tenant=tenant, state__in=[SyncJob.State.QUEUED, SyncJob.State.RUNNING]).update(
        state=SyncJob.State.FAILED, message="Đã chuyển sang gian hàng KiotViet khác."
    )
    return {**counts, "old_links": [list(link) for link in links]}
