"""Reconciliation jobs (Huey): one run per shop, and the per-shop duty that runs it when the
last run is older than :data:`.usecases.EVERY` (:mod:`kiotsync.workers.duties`)."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

from kiotsync.tenants.models import Tenant
from kiotsync.wiring import JOBS, get_wiring
from kiotsync.workers import duties, lanes

from . import usecases

log = logging.getLogger(__name__)


def _active(tenant_id: int) -> Tenant | None:
    return Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE, kiotviet__isnull=False).first()


@JOBS.register(usecases.RUN_JOB)
@db_task(retries=1, retry_delay=60, priority=lanes.RECONCILE)
def reconcile_task(tenant_id: int) -> None:
    tenant = _active(tenant_id)
    if tenant is not None:
        usecases.run(tenant, get_wiring())


#: The per-shop duty: a run when the last one is older than :data:`.usecases.EVERY`.
DUE_JOB = "reconcile.run_if_due"


def _configured_shops() -> list[int]:
    return list(
        Tenant.objects.filter(
            status=Tenant.Status.ACTIVE, kiotviet__isnull=False, settings__configured_at__isnull=False
        ).values_list("pk", flat=True)
    )


def run_if_due(tenant_id: int) -> None:
    tenant = _active(tenant_id)
    if tenant is not None and usecases.due(tenant):
        usecases.run(tenant, get_wiring())


@JOBS.register(DUE_JOB)
@db_task(priority=lanes.RECONCILE)
def reconcile_if_due(tenant_id: int) -> None:
    run_if_due(tenant_id)


# Every 15 minutes at the shop's phase; a run happens when the last is an hour old (so a run
# the merchant asked for moves the next one on instead of doubling it).
duties.register("reconcile", 900, DUE_JOB, _configured_shops)


def reconcile_due() -> None:
    """Every shop due for a reconciliation, at once (tests and operators)."""
    for tenant_id in _configured_shops():
        run_if_due(tenant_id)
