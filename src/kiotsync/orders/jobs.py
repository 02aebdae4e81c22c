"""Order jobs (Huey): thin shells over :mod:`.usecases`, :mod:`.polling` and :mod:`.importer`.
Each resolves the wiring once, checks its tenant, and passes the wiring down."""

from __future__ import annotations

import logging
from datetime import date

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kiotsync.tenants.models import KiotVietConnection, Tenant
from kiotsync.wiring import JOBS, get_wiring
from kiotsync.workers.periodic import single

from . import importer, polling, usecases

log = logging.getLogger(__name__)


@JOBS.register(usecases.SYNC_ORDER)
@db_task()
def sync_order(link_id: int) -> None:
    usecases.sync_link(link_id, get_wiring())


@JOBS.register(importer.IMPORT_JOB)
@db_task()
def import_orders(tenant_id: int, since: str) -> None:
    tenant = Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE).first()
    if tenant is not None:
        importer.import_since(tenant, date.fromisoformat(since), get_wiring())


def backstop() -> None:
    """Poll every connected shop, then wake retries that are due and triggers that were lost."""
    wiring = get_wiring()
    for conn in KiotVietConnection.objects.select_related("tenant").filter(
        tenant__status=Tenant.Status.ACTIVE
    ):
        try:
            polling.poll_tenant(conn.tenant, wiring)
        except Exception:  # one shop's failure must not stop the others
            log.exception("order poll failed for %s", conn.tenant.orgid)
    usecases.run_due(wiring)


@db_periodic_task(crontab(minute="*"))
@single("orders_backstop", 60)
def orders_backstop() -> None:
    backstop()
