"""The polling backstop: whatever a webhook missed, the next poll finds.

Per tenant: Haravan orders by ``updated_at_min`` (cursor = the newest ``updated_at`` seen, read
again with an overlap), KiotViet orders and invoices by ``lastModifiedFrom`` (cursor = the list
envelope's server ``timestamp``, also with an overlap). Everything goes through the same ingest
functions as webhooks, so seeing an order twice (webhook and poll) changes nothing. The
connection screen reads the ``orders`` stream state written here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from kiotsync.bookkeeping.models import StreamState
from kiotsync.httpkit.errors import PlatformError
from kiotsync.logs import tenant_context
from kiotsync.ports import Ports
from kiotsync.tenants.models import SyncSettings, Tenant

from .ingest import feed_for, ingest_haravan, ingest_kiotviet_invoice, ingest_kiotviet_order, sync_since
from .usecases import enqueue

log = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=2)
FIRST_WINDOW = timedelta(days=1)


@dataclass
class PollResult:
    haravan: int = 0
    kiotviet: int = 0
    woken: int = 0
    error: str = ""


def _start(cursor: datetime | None, tenant: Tenant, now: datetime) -> datetime:
    if cursor is not None:
        return cursor - OVERLAP
    return sync_since(tenant) or now - FIRST_WINDOW


def poll_tenant(tenant: Tenant, ports: Ports) -> PollResult:
    result = PollResult()
    woken: set[int] = set()
    feed = feed_for(tenant)
    now = timezone.now()
    errors: list[str] = []
    with tenant_context(tenant):
        try:
            hv = ports.haravan(tenant)
            start = _start(feed.hv_cursor, tenant, now)
            # No order seen yet: the window's start is the cursor, so that a reconnection (a new
            # ``sync_since``) still reads the orders placed while disconnected (their units are
            # pending: KiotViet does not reserve them).
            latest = feed.hv_cursor or start
            for order in hv.iter_orders(updated_at_min=start):
                result.haravan += 1
                got = ingest_haravan(tenant, order.raw, via="poll")
                if got is not None and got.changed:
                    woken.add(got.link.pk)
                if order.updated_at is not None and (latest is None or order.updated_at > latest):
                    latest = order.updated_at
            feed.hv_cursor = latest
        except PlatformError as exc:
            errors.append(f"Haravan: {exc.message}")
        try:
            settings = SyncSettings.objects.filter(tenant=tenant).first()
            branches = [settings.order_branch_id] if settings and settings.order_branch_id else None
            kv = ports.kiotviet(tenant)
            orders = kv.list_orders(
                _start(feed.kv_orders_cursor, tenant, now), branch_ids=branches, include_delivery=False
            )
            for kv_order in orders:
                result.kiotviet += 1
                got = ingest_kiotviet_order(tenant, kv_order, via="poll", full=False)
                if got is not None and got.changed:
                    woken.add(got.link.pk)
            feed.kv_orders_cursor = orders.timestamp or now
            invoices = kv.list_invoices(_start(feed.kv_invoices_cursor, tenant, now), branch_ids=branches)
            for invoice in invoices:
                got = ingest_kiotviet_invoice(tenant, invoice, via="poll")
                if got is not None and got.changed:
                    woken.add(got.link.pk)
            feed.kv_invoices_cursor = invoices.timestamp or now
        except PlatformError as exc:
            errors.append(f"KiotViet: {exc.message}")
        feed.last_poll_at = now
        feed.save()
        stream, _ = StreamState.objects.get_or_create(tenant=tenant, stream=StreamState.Stream.ORDERS)
        if errors:
            result.error = "; ".join(errors)[:2000]
            stream.last_error = result.error
            stream.last_error_at = now
            log.warning("order poll incomplete: %s", result.error)
        else:
            stream.last_success_at = now
            stream.last_error = ""
        stream.cursor = feed.hv_cursor.isoformat() if feed.hv_cursor else ""
        stream.save()
        for pk in sorted(woken):
            enqueue(pk, ports)
        result.woken = len(woken)
    return result
