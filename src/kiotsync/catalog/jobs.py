"""Catalogue jobs (Huey): thin shells over :mod:`.usecases`. Each resolves the wiring once,
checks its tenant is still active, tags its log lines, and passes the wiring down."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.exceptions import TaskLockedException

from kiotsync.bookkeeping.models import StreamState
from kiotsync.logs import tenant_context
from kiotsync.tenants.models import SyncSettings, Tenant
from kiotsync.wiring import JOBS, Wiring, get_wiring
from kiotsync.workers import duties, lanes, slots
from kiotsync.workers.periodic import single

from . import usecases
from .stock_push import dirty_rows

log = logging.getLogger(__name__)


def _active(tenant_id: int) -> Tenant | None:
    return Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE).first()


@JOBS.register(usecases.RUN_JOB)
@db_task(retries=3, retry_delay=30, priority=lanes.JOBS)
def run_job_task(job_id: int) -> None:
    # A long job: at most half of this worker's threads run them (workers/slots.py).
    slots.run_or_requeue(
        lambda: usecases.run_job(job_id, get_wiring()),
        lambda delay: get_wiring().queue.wake_later(delay, usecases.RUN_JOB, job_id),
    )


@JOBS.register(usecases.REFRESH_MIRRORS)
@db_task(retries=3, retry_delay=30, priority=lanes.JOBS)
def refresh_mirrors_task(tenant_id: int) -> None:
    tenant = _active(tenant_id)
    if tenant is not None:
        with tenant_context(tenant):
            usecases.refresh_mirrors(tenant, get_wiring())


@JOBS.register(usecases.SYNC_GROUP)
@db_task(retries=3, retry_delay=15, priority=lanes.PRODUCTS)
def sync_group_task(tenant_id: int, kv_ids: list[int], retry: int = 0) -> None:
    tenant = _active(tenant_id)
    if tenant is None:
        return
    with tenant_context(tenant):
        try:
            usecases.sync_products(tenant, set(kv_ids), get_wiring(), retry=retry)
        except usecases.NotConfigured:
            log.info("sync skipped: settings not saved yet")


@JOBS.register(usecases.FLUSH_STOCK)
@db_task(retries=5, retry_delay=5, priority=lanes.STOCK)
def flush_stock_task(tenant_id: int) -> None:
    """Coalesced: one flush per shop at a time; it loops until no dirty stock is left."""
    tenant = _active(tenant_id)
    if tenant is None:
        return
    try:
        with HUEY.lock_task(usecases.flush_lock(tenant_id)), tenant_context(tenant):
            usecases.flush_stock(tenant, get_wiring())
    except TaskLockedException:
        return  # the running flush will pick the new rows up
    if dirty_rows(tenant, limit=1):
        flush_stock_task(tenant_id)  # rows that became dirty while the lock was being released


#: The per-shop polling backstop (a duty: :mod:`kiotsync.workers.duties`).
POLL_SHOP = "catalog.poll_shop"


def _polled_shops() -> dict[int, int]:
    """Shops with Auto-sync on, each polled at its own interval (the setting, in minutes)."""
    return {
        tenant_id: minutes * 60
        for tenant_id, minutes in SyncSettings.objects.filter(
            auto_sync_enabled=True, tenant__status=Tenant.Status.ACTIVE, tenant__kiotviet__isnull=False
        ).values_list("tenant_id", "auto_sync_interval_minutes")
    }


def poll_one(tenant: Tenant, wiring: Wiring) -> None:
    """Poll one shop with Auto-sync on, if its own interval has passed since the last poll."""
    settings = SyncSettings.objects.filter(tenant=tenant, auto_sync_enabled=True).first()
    if settings is None or not hasattr(tenant, "kiotviet"):
        return
    state = StreamState.objects.filter(tenant=tenant, stream=StreamState.Stream.PRODUCTS_KV_TO_HV).first()
    last = state.updated_at if state else None
    if last and (timezone.now() - last).total_seconds() < settings.auto_sync_interval_minutes * 60 - 5:
        return
    with tenant_context(tenant):
        try:
            usecases.poll(tenant, wiring)
        except usecases.NotConfigured:
            return
        except Exception:
            log.exception("auto-sync poll failed")


@JOBS.register(POLL_SHOP)
@db_task(priority=lanes.BACKSTOP)
def poll_shop_task(tenant_id: int) -> None:
    tenant = _active(tenant_id)
    if tenant is not None:
        poll_one(tenant, get_wiring())


duties.register("catalog.poll", 60, POLL_SHOP, _polled_shops)


@db_task()
def auto_sync_poll() -> None:
    """Every shop with Auto-sync on, at once (tests and the chaos harness; in production each
    shop is polled by its own duty)."""
    wiring = get_wiring()
    for tenant in Tenant.objects.filter(pk__in=_polled_shops()):
        poll_one(tenant, wiring)


@db_periodic_task(crontab(minute="*"))
@single("resume_jobs", 60)
def resume_jobs() -> None:
    """A job whose worker died (no heartbeat) is run again; the work is idempotent."""
    for job_id in usecases.stale_jobs():
        run_job_task(job_id)


def take_over_orphans(alive: set[str]) -> None:
    """A worker's beat: jobs of a worker that died are queued again at once (run on every
    worker's heartbeat, registered in CatalogConfig.ready())."""
    for job_id in usecases.release_orphans(alive):
        log.warning("job %s lost its worker: queued again", job_id)
        run_job_task(job_id)
