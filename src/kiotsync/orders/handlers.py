"""Inbound webhook handlers for orders (registered in :class:`.apps.OrdersConfig`).

Haravan ``orders/*`` bodies are whole orders: stored as the link's snapshot when newer. KiotViet
``order.update`` / ``invoice.update`` bodies are partial: they only mark the KiotViet side stale
(the sync reads it through the API). An invoice that names neither its order nor a KiotSync
marker is looked up once through the API (``orderCode``).

Handlers run in a worker already, so the order's sync runs right there (no second queue hop);
if another worker holds the order, the trigger is left on the link for that worker.
"""

from __future__ import annotations

import logging
from typing import Any

from kiotsync.catalog.lookup import knows_haravan_variants
from kiotsync.httpkit.errors import NotFoundError
from kiotsync.inbox.models import InboundEvent
from kiotsync.inbox.ownership import resource_id, shop_has
from kiotsync.kiotviet.webhooks import parse_webhook
from kiotsync.ports import Ports
from kiotsync.tenants.models import KiotVietConnection, Tenant

from .ingest import ingest_haravan, ingest_kiotviet_invoice, ingest_kiotviet_order, link_for_invoice
from .models import OrderLink
from .usecases import sync_link

log = logging.getLogger(__name__)

HARAVAN_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "orders/paid", "orders/fulfilled")
KIOTVIET_TOPICS = ("order.update", "invoice.update")


def on_haravan_order(event: InboundEvent, ports: Ports) -> str | None:
    tenant = event.tenant
    rid = resource_id(event.payload)
    if rid is None or not KiotVietConnection.objects.filter(tenant=tenant).exists():
        return None
    if not _owned(tenant, rid, event.payload) and not shop_has(tenant, "order", rid, ports):
        return "not this shop's order"
    got = ingest_haravan(tenant, event.payload, via="webhook")
    if got is not None and got.changed:
        sync_link(got.link.pk, ports)  # already in a worker: push now (one queue hop less)
    return None


def _owned(tenant: Tenant, order_id: int, payload: Any) -> bool:
    """The order is this shop's by its own data: already linked, or one of its lines is a
    variant of the shop's catalogue mirror. Otherwise the shop's token is asked (one GET)."""
    if OrderLink.objects.filter(tenant=tenant, hv_order_id=order_id).exists():
        return True
    lines = payload.get("line_items") if isinstance(payload, dict) else None
    variants = [resource_id({"id": line.get("variant_id")}) for line in lines or [] if isinstance(line, dict)]
    return knows_haravan_variants(tenant, [v for v in variants if v is not None])


def on_kiotviet_sale(event: InboundEvent, ports: Ports) -> None:
    tenant = event.tenant
    if not KiotVietConnection.objects.filter(tenant=tenant).exists():
        return
    envelope = parse_webhook(event.payload)
    woken: set[int] = set()
    for note in envelope.notifications:
        if note.type == "order.update":
            for order in note.orders():
                got = ingest_kiotviet_order(tenant, order, via="webhook", full=False)
                if got is not None and got.changed:
                    woken.add(got.link.pk)
        elif note.type == "invoice.update":
            for invoice in note.invoices():
                if link_for_invoice(tenant, invoice) is None and invoice.id:
                    try:
                        invoice = ports.kiotviet(tenant).get_invoice(invoice.id)
                    except NotFoundError:
                        continue
                got = ingest_kiotviet_invoice(tenant, invoice, via="webhook")
                if got is not None and got.changed:
                    woken.add(got.link.pk)
    for pk in sorted(woken):
        sync_link(pk, ports)
