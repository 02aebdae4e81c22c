"""Order facts coming in (webhooks, polling, imports) → links and sync triggers.

Every entry point is idempotent and order-insensitive: a Haravan snapshot replaces the stored
one only when its ``updated_at`` is newer (an out-of-order or duplicate delivery changes
nothing); a KiotViet change only marks the KiotViet side stale (the sync reads it fresh) when
its ``ModifiedDate`` is newer than what KiotSync last read or wrote. Orders KiotSync created
carry a marker and are attached to their link, never taken for new orders (no echo loops).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from kiotsync.bookkeeping import intents
from kiotsync.core import orders as core
from kiotsync.haravan.models import Order as HvOrderWire
from kiotsync.kiotviet.models import Invoice as KvInvoiceWire
from kiotsync.kiotviet.models import Order as KvOrderWire
from kiotsync.tenants.models import KiotVietConnection, SyncSettings, Tenant

from . import display
from .models import OrderEvent, OrderFeed, OrderLink
from .wire import hv_order as to_hv_order
from .wire import kv_order as to_kv_order

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ingested:
    link: OrderLink
    changed: bool  # a sync is worth running


def feed_for(tenant: Tenant) -> OrderFeed:
    feed, _ = OrderFeed.objects.get_or_create(tenant=tenant)
    return feed


def side_of(tenant: Tenant) -> core.Side:
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    return core.Side(settings.order_side) if settings else core.Side.KIOTVIET


def sync_since(tenant: Tenant) -> datetime | None:
    """Orders placed before the KiotViet connection are not pushed unless imported."""
    # values_list: the connection row holds encrypted secrets that need not be decrypted here
    return KiotVietConnection.objects.filter(tenant=tenant).values_list("connected_at", flat=True).first()


def _skip_fields(reason: core.OrderReason | None) -> dict[str, Any]:
    if reason is None:
        return {"skip_code": "", "skip_params": {}}
    return {"skip_code": reason.code.value, "skip_params": reason.param_dict}


def _retrying(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an ingest once more if a concurrent ingest created the same link first."""
    try:
        return fn(*args, **kwargs)
    except IntegrityError:
        return fn(*args, **kwargs)


def _event(link: OrderLink, message: str, detail: Mapping[str, Any] | None = None) -> None:
    OrderEvent.objects.create(
        tenant_id=link.tenant_id,
        link=link,
        kind=OrderEvent.Kind.RECEIVED,
        message=message,
        detail=dict(detail or {}),
    )


# -- Haravan ----------------------------------------------------------------------------------
def ingest_haravan(
    tenant: Tenant, payload: Mapping[str, Any], *, via: str, forced: bool = False
) -> Ingested | None:
    return _retrying(_ingest_haravan, tenant, payload, via=via, forced=forced)


def _ingest_haravan(tenant: Tenant, payload: Mapping[str, Any], *, via: str, forced: bool) -> Ingested | None:
    wire = HvOrderWire.from_wire(payload)
    if not wire.id:
        return None
    if not forced and wire.updated_at is not None:
        # Fast path, without the write lock: nothing newer than what the link holds.
        known = (
            OrderLink.objects.filter(tenant=tenant, hv_order_id=wire.id)
            .values_list("pk", "hv_updated_at")
            .first()
        )
        if known is not None and known[1] is not None and wire.updated_at <= known[1]:
            return Ingested(OrderLink.objects.get(pk=known[0]), False)
    hv = to_hv_order(wire)
    with transaction.atomic():
        links = OrderLink.objects.select_for_update().filter(tenant=tenant)
        link = links.filter(hv_order_id=hv.id).first()
        code = hv.kv_code_marker
        if link is None and code:
            # A Haravan order KiotSync created from KiotViet (its answer may not be stored yet).
            link = links.filter(
                origin=OrderLink.Origin.KIOTVIET, kv_order_code=code, hv_order_id__isnull=True
            ).first()
            if link is None:
                log.info("haravan order %s carries KiotViet code %s but no link: ignored", hv.id, code)
                return None
            link.hv_order_id = hv.id
        created = link is None
        if link is None:
            # Whichever side processes orders, the order goes to KiotViet (it reserves the stock);
            # the side, stored now, decides whose statuses drive the other's.
            reason = core.haravan_first_sight(hv, sync_since(tenant))
            link = OrderLink(
                tenant=tenant,
                origin=OrderLink.Origin.HARAVAN,
                processed_at=side_of(tenant).value,
                hv_order_id=hv.id,
                **_skip_fields(reason),
            )
        changed = False
        if link.hv_updated_at is None or (hv.updated_at is not None and hv.updated_at > link.hv_updated_at):
            link.hv_snapshot = dict(payload)
            link.hv_updated_at = hv.updated_at
            link.hv_stale = False
            display.describe_haravan(link, hv)
            changed = True
        if forced and not link.forced:
            link.forced = True
            changed = True
        if changed:
            link.needs_sync = True
        link.save()
        if changed:
            _event(
                link,
                _received_text("Haravan", via, hv.name),
                {"updated_at": str(hv.updated_at), "en": _received_en("Haravan", via, hv.name)},
            )
    return Ingested(link, changed or created)


def _received_text(platform: str, via: str, name: str) -> str:
    how = {"webhook": "webhook", "poll": "kiểm tra định kỳ", "import": "nhập đơn cũ", "api": "đọc lại"}.get(
        via, via
    )
    return f"Nhận thay đổi từ {platform} ({how}): {name}"


def _received_en(platform: str, via: str, name: str) -> str:
    how = {"webhook": "webhook", "poll": "periodic check", "import": "import"}.get(via, via)
    return f"Change received from {platform} ({how}): {name}"


# -- KiotViet ---------------------------------------------------------------------------------
def ingest_kiotviet_order(
    tenant: Tenant, wire: KvOrderWire, *, via: str, full: bool, forced: bool = False
) -> Ingested | None:
    return _retrying(_ingest_kiotviet_order, tenant, wire, via=via, full=full, forced=forced)


def _ingest_kiotviet_order(
    tenant: Tenant, wire: KvOrderWire, *, via: str, full: bool, forced: bool
) -> Ingested | None:
    if not wire.id:
        return None
    hv_id = core.parse_marker(wire.description)
    # Fast paths, without the write lock: KiotSync already read (or wrote) this version, or the
    # order is one KiotSync does not track (a KiotViet-born order while KiotViet processes orders).
    known = (
        OrderLink.objects.filter(tenant=tenant, kv_order_id=wire.id)
        .values_list("pk", "kv_modified_at")
        .first()
    )
    if known is None and hv_id is None and side_of(tenant) != core.Side.HARAVAN:
        return None
    seen = known[1] if known is not None else None
    if (
        not forced
        and known is not None
        and seen is not None
        and wire.modified_date is not None
        and wire.modified_date <= seen
    ):
        return Ingested(OrderLink.objects.get(pk=known[0]), False)
    with transaction.atomic():
        links = OrderLink.objects.select_for_update().filter(tenant=tenant)
        link = links.filter(kv_order_id=wire.id).first()
        if link is None and hv_id is not None:
            link = links.filter(hv_order_id=hv_id).first()
            if link is None:
                return None  # created by KiotSync for an order this tenant no longer tracks
        created = False
        if link is None:
            if side_of(tenant) != core.Side.HARAVAN:
                return None  # KiotViet-born orders stay in KiotViet when KiotViet processes orders
            kv = to_kv_order(wire)
            settings = SyncSettings.objects.filter(tenant=tenant).first()
            reason = core.kiotviet_first_sight(
                kv, sync_since(tenant), settings.order_branch_id if settings else None
            )
            link = OrderLink(
                tenant=tenant,
                origin=OrderLink.Origin.KIOTVIET,
                processed_at=OrderLink.Side.HARAVAN,
                kv_order_id=wire.id,
                kv_order_code=wire.code or "",
                kv_created_at=kv.created_at,
                kv_snapshot={"order": dict(wire.raw), "invoices": []},
                kv_stale=True,
                **_skip_fields(reason),
            )
            display.describe_kiotviet(link, kv)
            created = True
        changed = created
        modified = wire.modified_date
        if link.kv_order_id == wire.id and (
            link.kv_modified_at is None or (modified is not None and modified > link.kv_modified_at)
        ):
            link.kv_stale = True
            changed = True
            if full:
                link.kv_snapshot = {"order": dict(wire.raw), "invoices": link.kv_snapshot.get("invoices", [])}
        if link.kv_order_id is None and hv_id is not None:
            changed = True  # our order whose creation answer may be lost: let the sync look
            # …and tell it what was seen, so it adopts the order without a lookup GET.
            intents.witness(tenant.pk, f"order:create:{link.pk}", str(wire.id), dict(wire.raw))
        if forced and not link.forced:
            link.forced = True
            changed = True
        if changed:
            link.needs_sync = True
        link.save()
        if changed:
            _event(
                link,
                _received_text("KiotViet", via, wire.code or str(wire.id)),
                {"modified": str(modified), "en": _received_en("KiotViet", via, wire.code or str(wire.id))},
            )
    return Ingested(link, changed)


def link_for_invoice(tenant: Tenant, wire: KvInvoiceWire) -> OrderLink | None:
    links = OrderLink.objects.filter(tenant=tenant)
    hv_id = core.parse_marker(wire.description)
    if hv_id is not None:
        found = links.filter(hv_order_id=hv_id).first()
        if found is not None:
            return found
    if wire.order_id:
        found = links.filter(kv_order_id=wire.order_id).first()
        if found is not None:
            return found
    if wire.order_code:
        return links.filter(kv_order_code__iexact=wire.order_code).first()
    return None


def ingest_kiotviet_invoice(tenant: Tenant, wire: KvInvoiceWire, *, via: str) -> Ingested | None:
    link = link_for_invoice(tenant, wire)
    if link is None:
        return None
    with transaction.atomic():
        link = OrderLink.objects.select_for_update().get(pk=link.pk)
        modified = wire.modified_date
        known = {
            int(i.get("id") or 0) for i in link.kv_snapshot.get("invoices", []) if isinstance(i, Mapping)
        }
        newer = link.kv_modified_at is None or (modified is not None and modified > link.kv_modified_at)
        if not newer and wire.id in known:
            return Ingested(link, False)
        link.kv_stale = True
        link.needs_sync = True
        link.save(update_fields=["kv_stale", "needs_sync", "updated_at"])
        name = f"{wire.code or wire.id}"
        _event(
            link,
            _received_text("KiotViet", via, name),
            {"modified": str(modified), "en": _received_en("KiotViet", via, name)},
        )
    return Ingested(link, True)
