"""Webhook handlers for the catalogue (registered in :class:`.apps.CatalogConfig`).

KiotViet ``product.update`` / ``product.delete`` / ``stock.update`` update the mirror (stock
versioned by the webhook's receipt time) and, with Auto-sync on, wake the sync; Haravan
``products/*`` keep the Haravan mirror current.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction

from kiotsync.bookkeeping import intents
from kiotsync.haravan import models as hvw
from kiotsync.httpkit.wire import to_int
from kiotsync.inbox.models import InboundEvent
from kiotsync.inbox.ownership import resource_id, shop_has
from kiotsync.kiotviet.webhooks import parse_webhook
from kiotsync.ports import Ports
from kiotsync.tenants.models import SyncSettings, Tenant

from . import ingest, usecases, wire
from .models import HvVariantRow
from .unlink import forget_deleted_haravan_product

log = logging.getLogger(__name__)

# A redelivered stock.update may be older than what we already applied: re-read it instead.
MAX_REREADS = 20


def _auto(tenant: Tenant) -> SyncSettings | None:
    return _auto_for(tenant.pk)


def _auto_for(tenant_id: int) -> SyncSettings | None:
    settings = SyncSettings.objects.filter(tenant_id=tenant_id).first()
    if settings is None or not settings.auto_sync_enabled or not settings.haravan_location_id:
        return None
    return settings


def _wake_products(tenant: Tenant, ids: set[int], ports: Ports) -> None:
    if ids and _auto(tenant):
        transaction.on_commit(lambda: ports.queue.wake(usecases.SYNC_GROUP, tenant.pk, sorted(ids)))


def _wake_stock(tenant: Tenant, ids: set[int], ports: Ports) -> None:
    """Changed stock wakes a flush when Auto-sync (with stock) is on. The settings are checked
    only when no flush is running (by ``request_stock_flush``): during a burst most webhooks find one
    running — started while Auto-sync was on — and that flush takes their rows anyway."""
    if ids:
        transaction.on_commit(lambda: usecases.request_stock_flush(tenant.pk, ports, _stock_auto))


def _stock_auto(tenant_id: int) -> bool:
    settings = _auto_for(tenant_id)
    return settings is not None and settings.sync_stock


KIOTVIET_TOPICS = ("product.update", "product.delete", "stock.update")
PRICE_BOOK_TOPICS = ("pricebookdetail.update", "pricebookdetail.delete")
HARAVAN_PRODUCT_TOPICS = ("products/create", "products/update")
HARAVAN_DELETE_TOPICS = ("products/deleted", "products/delete")


def kiotviet_catalogue(event: InboundEvent, ports: Ports) -> None:
    tenant = event.tenant
    envelope = parse_webhook(event.payload)
    version = ingest.version_of(event.received_at)
    rows: set[int] = set()
    stock: set[int] = set()
    for note in envelope.notifications:
        if note.type == "product.update":
            products = note.products()
            kv_rows, unsent = ingest.kv_rows_from_webhook(products)
            rows |= ingest.upsert_kv_rows(tenant, kv_rows, unsent=unsent)
            if event.attempts > 1:
                # Handled again after a failure: what the failed attempt stored (and did not get
                # to wake) counts as changed too, or the product would wait for the poll.
                rows |= {p.id for p in products if p.id is not None}
            stock |= ingest.apply_stock(tenant, ingest.facts_from_products(products, version))
        elif note.type == "product.delete":
            rows |= ingest.mark_kv_deleted(tenant, note.ids())
        elif note.type == "stock.update":
            items = note.stock()
            if envelope.attempt > 1:
                stock |= _reread(tenant, {i.product_id for i in items if i.product_id}, ports)
            else:
                facts = [
                    ingest.StockFact(
                        i.product_id, i.branch_id, Decimal(str(i.on_hand)), Decimal(str(i.reserved)), version
                    )
                    for i in items
                    if i.product_id is not None and i.branch_id is not None
                ]
                stock |= ingest.apply_stock(tenant, facts)
    _wake_products(tenant, rows, ports)
    _wake_stock(tenant, stock, ports)


def kiotviet_price_book(event: InboundEvent, ports: Ports) -> None:
    """A price in a book changed: followed when the shop sells at that book's prices."""
    tenant = event.tenant
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    if (
        settings is None
        or settings.price_source != SyncSettings.PriceSource.PRICE_BOOK
        or not settings.price_book_id
    ):
        return
    book = settings.price_book_id
    prices: dict[int, Decimal | None] = {}
    for note in parse_webhook(event.payload).notifications:
        for item in note.data:
            if not isinstance(item, dict):
                continue
            w = {str(k).lower(): v for k, v in item.items()}
            if to_int(w.get("pricebookid")) != book:
                continue
            if note.type == "pricebookdetail.update" and to_int(w.get("productid")) is not None:
                prices[int(w["productid"])] = Decimal(str(w.get("price") or 0))
            elif note.type == "pricebookdetail.delete":
                for pid in w.get("productids") or []:
                    if to_int(pid) is not None:
                        prices[int(pid)] = None
    _wake_products(tenant, ingest.apply_price_book_prices(tenant, book, prices), ports)


def _reread(tenant: Tenant, product_ids: set[int], ports: Ports) -> set[int]:
    client = ports.kiotviet(tenant)
    changed: set[int] = set()
    for product_id in sorted(product_ids)[:MAX_REREADS]:
        version = ingest.now_version()
        product = client.get_product(product_id)
        changed |= ingest.apply_stock(tenant, ingest.facts_from_products([product], version))
    return changed


def _mirrored(tenant: Tenant, product_id: int) -> bool:
    return HvVariantRow.objects.filter(tenant=tenant, hv_product_id=product_id).exists()


def _being_created(tenant: Tenant, payload: object) -> bool:
    """A product KiotSync is creating right now: a pending create's write intent names one of
    its SKUs. Its create's answer records it (or, answer lost, the retry adopts it by SKU)."""
    variants = payload.get("variants") if isinstance(payload, dict) else None
    skus = {str(v["sku"]) for v in variants or [] if isinstance(v, dict) and v.get("sku")}
    if not skus:
        return False
    return any(skus & set(p.get("skus") or []) for p in intents.pending_payloads(tenant.pk, "hv:create:"))


def haravan_product(event: InboundEvent, ports: Ports) -> str | None:
    tenant = event.tenant
    rid = resource_id(event.payload)
    if rid is None:
        return None
    if not _mirrored(tenant, rid):
        # Haravan's products/create for the creates in flight arrives before they are recorded
        # (up to 8 at once): no need to ask Haravan whose it is (a GET each), nor to store it.
        if _being_created(tenant, event.payload):
            return "being created by KiotSync: recorded from the create's answer"
        if not shop_has(tenant, "product", rid, ports):
            return "not this shop's product"
    product = hvw.Product.from_wire(event.payload)
    ingest.upsert_hv_products(tenant, [wire.hv_product(product)])
    return None


def haravan_product_deleted(event: InboundEvent, ports: Ports) -> str | None:
    tenant = event.tenant
    rid = resource_id(event.payload)
    if rid is None or not _mirrored(tenant, rid):
        return None
    if shop_has(tenant, "product", rid, ports):
        return "the product still exists"  # a replayed or misattributed deletion
    ingest.mark_hv_product_deleted(tenant, rid)
    forget_deleted_haravan_product(tenant, rid)
    return None
