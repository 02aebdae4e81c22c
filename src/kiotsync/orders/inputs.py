"""The planners' non-order inputs: the merchant's settings, the product links for each line, and
the KiotViet ids every web order uses (sale channel, shipping surcharge), cached per tenant.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone

from kiotsync.catalog.lookup import haravan_for_kv_product, kv_for_haravan_line
from kiotsync.core import orders as core
from kiotsync.core.text import fold
from kiotsync.httpkit.errors import PlatformError, RateLimitedError, TransientError
from kiotsync.kiotviet.client import KiotVietClient
from kiotsync.tenants.models import SyncSettings, Tenant

from .models import OrderFeed

log = logging.getLogger(__name__)

#: The "thu khác" that carries web shipping fees (the code KiotViet's own web plugin uses).
SHIPPING_SURCHARGE_CODE = "THKSHIPPINGWEB"
SHIPPING_SURCHARGE_NAME = "Phí vận chuyển web"
#: Sale channel names that mean "orders from the web shop", best first.
WEB_CHANNEL_NAMES = ("haravan", "website", "web")
META_TTL = timedelta(hours=12)


def order_settings(tenant: Tenant, feed: OrderFeed) -> core.OrderSettings:
    s = SyncSettings.objects.filter(tenant=tenant).first()
    return core.OrderSettings(
        side=core.Side(s.order_side) if s else core.Side.KIOTVIET,
        branch_id=s.order_branch_id if s else None,
        location_id=s.haravan_location_id if s else None,
        sale_channel_id=feed.kv_sale_channel_id,
        shipping_surcharge_id=feed.kv_surcharge_id,
    )


def kiotviet_targets(tenant: Tenant, lines: Iterable[core.HvLine]) -> dict[int, core.KvTarget | None]:
    out: dict[int, core.KvTarget | None] = {}
    for line in lines:
        ref = kv_for_haravan_line(tenant, line.variant_id, line.sku or None, line.barcode or None)
        out[line.id] = (
            None if ref is None else core.KvTarget(ref.kv_product_id, ref.code, ref.name, ref.is_active)
        )
    return out


def haravan_targets(tenant: Tenant, lines: Iterable[core.KvLine]) -> dict[int, core.HvTarget | None]:
    out: dict[int, core.HvTarget | None] = {}
    for line in lines:
        ref = haravan_for_kv_product(tenant, line.product_id, line.code or None)
        out[line.product_id] = (
            None if ref is None else core.HvTarget(ref.hv_variant_id, ref.hv_product_id, ref.sku)
        )
    return out


def ensure_kiotviet_meta(feed: OrderFeed, kv: KiotVietClient, *, force: bool = False) -> None:
    """Find the web sale channel and the shipping surcharge (creating the surcharge once, as
    KiotViet's plugin does). A refusal is logged and the order goes without them; a transient
    failure propagates so the order waits."""
    now = timezone.now()
    if not force and feed.kv_meta_checked_at and now - feed.kv_meta_checked_at < META_TTL:
        return
    try:
        channels = [c for c in kv.list_sale_channels() if c.is_active is not False]
        for wanted in WEB_CHANNEL_NAMES:
            hit = next((c for c in channels if wanted in fold(c.name or "")), None)
            if hit is not None:
                feed.kv_sale_channel_id = hit.id
                break
        surcharges = kv.list_surcharges()
        found = next((s for s in surcharges if (s.code or "").upper() == SHIPPING_SURCHARGE_CODE), None)
        if found is None:
            found = kv.create_surcharge(SHIPPING_SURCHARGE_CODE, SHIPPING_SURCHARGE_NAME, 0)
        elif found.is_active is False:
            kv.activate_surcharge(found.id)
        feed.kv_surcharge_id = found.id or None
    except (TransientError, RateLimitedError):
        raise
    except PlatformError as exc:
        log.warning("kiotviet sale channel / surcharge lookup refused: %s", exc)
    feed.kv_meta_checked_at = now
    feed.save(update_fields=["kv_sale_channel_id", "kv_surcharge_id", "kv_meta_checked_at", "updated_at"])
