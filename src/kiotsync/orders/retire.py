"""A retailer switch (:mod:`kiotsync.connections.switch`): the orders forget the old KiotViet
retailer's cursors and cached ids (sale channel, surcharge). Orders already recorded there stay
as history; an order still waiting to be pushed goes to the new retailer, with its lines linked
again by the catalogue."""

from __future__ import annotations

from typing import Any

from kiotsync.tenants.models import RetailerSwitch, Tenant

from .models import KvCustomer, KvCustomerMirror, OrderFeed, OrderLink


def retire_orders(sender: object, tenant: Tenant, switch: RetailerSwitch, **kwargs: Any) -> dict[str, Any]:
    OrderFeed.objects.filter(tenant=tenant).update(
        kv_orders_cursor=None,
        kv_invoices_cursor=None,
        kv_sale_channel_id=None,
        kv_surcharge_id=None,
        kv_meta_checked_at=None,
    )
    KvCustomer.objects.filter(tenant=tenant).delete()  # the old retailer's customers
    KvCustomerMirror.objects.filter(tenant=tenant).delete()
    return {
        "orders_in_old_retailer": OrderLink.objects.filter(tenant=tenant, kv_order_id__isnull=False).count()
    }
