"""Catalogue jobs (Huey): thin shells over :mod:`kiotsync.catalog.services`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from kiotsync.logs import tenant_context
from kiotsync.tenants.models import SyncSettings, Tenant

log = logging.getLogger(__name__)


def _active(tenant_id: int) -> Tenant | None:
    return Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE).first()


@db_task(retries=3, retry_delay=30)
def run_job_task(job_id: int) -> None:
    from .services import run_job

    run_job(job_id)


@db_task(retries=3, retry_delay=30)
def refresh_mirrors_task(tenant_id: int) -> None:
    from .services import refresh_mirrors

    tenant = _active(tenant_id)
    if tenant is not None:
        with tenant_context(tenant):
            refresh_mirrors(tenant)


@db_task(retries=3, retry_delay=15)
def sync_group_task(tenant_id: int, kv_ids: list[int]) -> None:
    from .services import NotConfigured, sync_products

    tenant = _active(tenant_id)
    if tenant is None:
        return
    with tenant_context(tenant):
        try:
            sync_products(tenant, set(kv_ids))
        except NotConfigured:
            log.info("sync skipped: settings not saved yet")


def _flush_lock(tenant_id: int) -> str:
    return f"flush-stock-{tenant_id}"


@db_task(retries=5, retry_delay=5)
def flush_stock_task(tenant_id: int) -> None:
    """Coalesced: one flush per shop at a time; it loops until no dirty stock is left."""
    from .services import flush_stock
    from .stocksync import dirty_rows

    tenant = _active(tenant_id)
    if tenant is None:
        return
    try:
        with HUEY.lock_task(_flush_lock(tenant_id)), tenant_context(tenant):
            flush_stock(tenant)
    except TaskLockedException:
        return  # the running flush will pick the new rows up
    if dirty_rows(tenant, limit=1):
        flush_stock_task(tenant_id)  # rows that became dirty while the lock was being released


def request_stock_flush(tenant_id: int, wanted: Callable[[int], bool] | None = None) -> None:
    """Wake a flush for freshly committed dirty stock — unless one is running already, or
    ``wanted(tenant_id)`` (checked only then) says no.

    Call it after the commit. A running flush loops until no dirty row is left and looks again
    after releasing its lock, so a row committed before the lock was seen held is always picked
    up; skipping the task then spares a queue round trip per webhook during a burst (and keeps
    the queue free of flushes that would only find the lock taken)."""
    if HUEY.is_locked(_flush_lock(tenant_id)):
        return
    if wanted is not None and not wanted(tenant_id):
        return
    flush_stock_task(tenant_id)


@db_periodic_task(crontab(minute="*"))
def auto_sync_poll() -> None:
    """Polling backstop for shops with Auto-sync on, each at its own interval."""
    from kiotsync.sync.models import StreamState

    from .services import NotConfigured, poll

    now = timezone.now()
    for settings in SyncSettings.objects.select_related("tenant").filter(
        auto_sync_enabled=True, tenant__status=Tenant.Status.ACTIVE
    ):
        tenant = settings.tenant
        state = StreamState.objects.filter(tenant=tenant, stream=StreamState.Stream.PRODUCTS_KV_TO_HV).first()
        last = state.updated_at if state else None
        if last and (now - last).total_seconds() < settings.auto_sync_interval_minutes * 60 - 5:
            continue
        with tenant_context(tenant):
            try:
                poll(tenant)
            except NotConfigured:
                continue
            except Exception:
                log.exception("auto-sync poll failed")


@db_periodic_task(crontab(minute="*"))
def resume_jobs() -> None:
    """A job whose worker died (no heartbeat) is run again; the work is idempotent."""
    from .services import stale_jobs

    for job_id in stale_jobs():
        run_job_task(job_id)


def take_over_orphans(alive: set[str]) -> None:
    """A worker's beat: jobs of a worker that died are queued again at once (run on every
    worker's heartbeat, registered in CatalogConfig.ready())."""
    from .services import release_orphans

    for job_id in release_orphans(alive):
        log.warning("job %s lost its worker: queued again", job_id)
        run_job_task(job_id)
