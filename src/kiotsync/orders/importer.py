"""Importing past orders from a chosen date (runs in the background).

Orders placed before KiotSync was connected are recorded as skipped ("placed before syncing
started"); an import marks the ones placed since the chosen date as *forced*, so they are pushed
like new ones. It follows the processing side: Haravan orders go to KiotViet, or (processing at
Haravan) KiotViet orders go to Haravan. Cancelled orders stay skipped. Running it twice is
harmless: links are unique and creations are guarded like any other push.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from django.utils import timezone

from kiotsync.core import orders as core
from kiotsync.httpkit.dates import VIETNAM
from kiotsync.httpkit.errors import PlatformError
from kiotsync.logs import tenant_context
from kiotsync.ports import Ports
from kiotsync.tenants.models import Tenant

from .ingest import feed_for, ingest_haravan, ingest_kiotviet_order, side_of
from .usecases import enqueue

log = logging.getLogger(__name__)


#: The job that imports past orders (registered by :mod:`.jobs`).
IMPORT_JOB = "orders.import"


def start_import(tenant: Tenant, since: date, ports: Ports) -> None:
    feed = feed_for(tenant)
    feed.import_state = "queued"
    feed.import_message = since.isoformat()
    feed.save(update_fields=["import_state", "import_message", "updated_at"])
    ports.queue.wake(IMPORT_JOB, tenant.pk, since.isoformat())


def import_since(tenant: Tenant, since: date, ports: Ports) -> int:
    """Force every order placed since ``since`` (shop-local midnight) through. Returns a count."""
    start = datetime.combine(since, time.min, tzinfo=VIETNAM)
    feed = feed_for(tenant)
    feed.import_state = "running"
    feed.save(update_fields=["import_state", "updated_at"])
    count = 0
    woken: list[int] = []
    with tenant_context(tenant):
        try:
            if side_of(tenant) == core.Side.KIOTVIET:
                hv = ports.haravan(tenant)
                for order in hv.iter_orders(created_at_min=start, order="created_at asc"):
                    got = ingest_haravan(tenant, order.raw, via="import", forced=True)
                    if got is not None:
                        count += 1
                        woken.append(got.link.pk)
            else:
                for kv_order in ports.kiotviet(tenant).list_orders(start):
                    if kv_order.created_date is not None and kv_order.created_date < start:
                        continue
                    got = ingest_kiotviet_order(tenant, kv_order, via="import", full=False, forced=True)
                    if got is not None:
                        count += 1
                        woken.append(got.link.pk)
        except PlatformError as exc:
            log.warning("order import failed: %s", exc)
            feed.import_state = "failed"
            feed.import_message = str(exc.message)[:500]
            feed.save(update_fields=["import_state", "import_message", "updated_at"])
            return count
        for pk in woken:
            enqueue(pk, ports)
    feed.import_state = "done"
    feed.import_message = f"{count}|{since.isoformat()}|{timezone.now().isoformat()}"
    feed.save(update_fields=["import_state", "import_message", "updated_at"])
    return count
