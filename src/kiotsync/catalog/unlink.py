"""A linked product deleted on Haravan: its links go and its KiotViet group stops syncing.

The merchant deleted it on Haravan, so KiotSync does not put it back on sale by itself: the
group is excluded from sync ("Không đồng bộ", the switch on the product page), with an entry in
its timeline. Turning sync back on creates it on Haravan again.
"""

from __future__ import annotations

from django.db import transaction

from kiotsync.core.catalog.reasons import ReasonCode
from kiotsync.tenants.models import Tenant

from . import inputs
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
