"""Reconciliation jobs (Huey): one run per shop, and the periodic sweep that queues the shops
whose last run is older than :data:`.usecases.EVERY`."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kiotsync.tenants.models import Tenant
from kiotsync.wiring import JOBS, get_wiring
from kiotsync.workers.periodic import single

from . import usecases

log = logging.getLogger(__name__)


@JOBS.register(usecases.RUN_JOB)
@db_task(retries=1, retry_delay=60)
def reconcile_task(tenant_id: int) -> None:
    tenant = Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE, kiotviet__isnull=False).first()
    if tenant is not None:
        usecases.run(tenant, get_wiring())


@db_periodic_task(crontab(minute="*/5"))
@single("reconcile_due", 300)
def reconcile_due() -> None:
    """Queue the shops due for a reconciliation (connected, settings saved)."""
    for tenant in Tenant.objects.filter(
        status=Tenant.Status.ACTIVE, kiotviet__isnull=False, settings__configured_at__isnull=False
    ):
        if usecases.due(tenant):
            reconcile_task(tenant.pk)
