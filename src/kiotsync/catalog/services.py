"""Catalogue use cases: Sync now, Auto-sync, opt-out, per-product re-sync, Transfer all.

Every entry point writes a durable row first (a :class:`SyncJob`, a flag, a mirror row) and
then wakes a worker; the work itself is idempotent (plans are computed from the mirrors and
links, creates are guarded by write intents), so a job killed half-way simply runs again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kiotsync.core import plan_kiotviet_to_haravan
from kiotsync.core.grouping import coalesce_rows, group_id_of
from kiotsync.haravan.pacing import LeakyBucketPacer
from kiotsync.logs import tenant_context
from kiotsync.sync.models import StreamState
from kiotsync.tenants.models import SyncSettings, Tenant
from kiotsync.wiring import get_wiring
from kiotsync.workers.heartbeat import alive_workers, current_worker_id

from . import loaders, refresh, stocksync, transfer
from .executor import Outcome, ProductExecutor, record_statuses
from .explain import explain
from .models import KvRow, ProductLinkRecord, SyncJob, VariantLinkRecord

log = logging.getLogger(__name__)

STALE_JOB = timedelta(minutes=2)
# SyncJob.worker_id of a job whose worker died, waiting for another one.
RELEASED = "-"
# Stock flush batching during bursts: a round of 100 rows is one write (and two balance reads);
# a short-handed round waits at most GATHER_S for more.
GATHER_ROWS = 100
GATHER_S = 1.0


class NotConfigured(Exception):
    """Settings must be saved (Haravan location chosen) before syncing."""


@dataclass
class SyncResult:
    products: Outcome
    stock: stocksync.StockOutcome


# -- entry points (web) -----------------------------------------------------------------------


def latest_job(tenant: Tenant, kind: str) -> SyncJob | None:
    return SyncJob.objects.filter(tenant=tenant, kind=kind).order_by("-created_at", "-pk").first()


def _start(tenant: Tenant, kind: str) -> SyncJob:
    with transaction.atomic():
        active = (
            SyncJob.objects.select_for_update()
            .filter(tenant=tenant, kind=kind, state__in=[SyncJob.State.QUEUED, SyncJob.State.RUNNING])
            .first()
        )
        if active is not None:
            return active
        job = SyncJob.objects.create(tenant=tenant, kind=kind)
        transaction.on_commit(lambda: _enqueue_job(job.pk))
    return job


def _enqueue_job(job_id: int) -> None:
    from .tasks import run_job_task

    run_job_task(job_id)


def start_sync_now(tenant: Tenant) -> SyncJob:
    return _start(tenant, SyncJob.Kind.SYNC_KV_TO_HV)


def start_transfer_all(tenant: Tenant) -> SyncJob:
    return _start(tenant, SyncJob.Kind.TRANSFER_HV_TO_KV)


def set_auto_sync(tenant: Tenant, enabled: bool) -> None:
    SyncSettings.objects.filter(tenant=tenant).update(auto_sync_enabled=enabled)
    with tenant_context(tenant):
        log.info("auto-sync %s", "enabled" if enabled else "disabled")
    if enabled:
        start_sync_now(tenant)


def _group_ids(tenant: Tenant, kv_id: int) -> set[int]:
    if not KvRow.objects.filter(tenant=tenant, kv_id=kv_id).exists():
        raise KvRow.DoesNotExist(kv_id)
    return loaders.expand_groups(tenant, {kv_id}) - {
        c for c in KvRow.objects.filter(tenant=tenant, type=1).values_list("kv_id", flat=True) if c != kv_id
    }


def set_opt_out(tenant: Tenant, kv_id: int, opted_out: bool) -> None:
    """Exclude (or include again) a product's whole variant group."""
    ids = _group_ids(tenant, kv_id)
    KvRow.objects.filter(tenant=tenant, kv_id__in=ids).update(opted_out=opted_out, updated_at=timezone.now())
    if not opted_out:
        resync_product(tenant, kv_id)


def resync_product(tenant: Tenant, kv_id: int) -> None:
    ids = _group_ids(tenant, kv_id)
    from .tasks import sync_group_task

    transaction.on_commit(lambda: sync_group_task(tenant.pk, sorted(ids)))


# -- the work (worker) ------------------------------------------------------------------------


def _settings(tenant: Tenant) -> SyncSettings:
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    if settings is None or not settings.haravan_location_id:
        raise NotConfigured("Vui lòng lưu cấu hình đồng bộ (chọn kho Haravan) trước khi đồng bộ.")
    return settings


def sync_products(
    tenant: Tenant, kv_ids: Collection[int] | None = None, job: SyncJob | None = None
) -> SyncResult:
    """KiotViet → Haravan for ``kv_ids``' groups (None: the whole catalogue), then their stock."""
    settings = _settings(tenant)
    scope = None if kv_ids is None else loaders.expand_groups(tenant, kv_ids)
    rows = loaders.kv_rows(tenant, scope)
    deleted = loaders.deleted_kv_ids(tenant, scope)
    links = loaders.links(tenant)
    if scope is None:
        hv_products = loaders.hv_products(tenant)
    else:
        linked = set(ProductLinkRecord.objects.filter(tenant=tenant, kv_group_id__in=scope).values_list("hv_product_id", flat=True))
        linked |= set(VariantLinkRecord.objects.filter(tenant=tenant, kv_id__in=scope).values_list("hv_product_id", flat=True))
        keys = {r.barcode if settings.link_key == SyncSettings.LinkKey.BARCODE else r.code for r in rows}
        hv_products = loaders.hv_products(tenant, linked, keys)
    plan = plan_kiotviet_to_haravan(
        rows, hv_products, links, loaders.core_settings(settings), loaders.opt_outs(tenant), timezone.now(),
        deleted_kv_ids=deleted,
    )
    by_id = coalesce_rows(rows)
    group_rows: dict[int, list[int]] = {}
    for row in rows:
        group_rows.setdefault(group_id_of(row, by_id), []).append(row.id)
    for kv_id in deleted:
        group_rows.setdefault(kv_id, []).append(kv_id)
    if job is not None:
        SyncJob.objects.filter(pk=job.pk).update(total=len(plan.actions) + 1, done=0)
    progress = _progress(job)
    client = get_wiring().haravan(tenant)
    executor = ProductExecutor(tenant, client, group_rows, progress)
    outcome = executor.run(plan)
    record_statuses(tenant, plan.statuses, outcome)
    _clear_settled_intents(tenant)
    stock = stocksync.sync_stock(tenant, scope, fresh_variants=outcome.new_variants, client=client)
    progress(1)
    _stream(tenant, StreamState.Stream.PRODUCTS_KV_TO_HV, outcome.failed == 0, _first_error(outcome))
    _stream(tenant, StreamState.Stream.STOCK, stock.failed == 0 and not stock.error, stock.error)
    return SyncResult(outcome, stock)


def _clear_settled_intents(tenant: Tenant) -> None:
    """An intent whose product got linked some other way (e.g. found by SKU in the Haravan
    mirror after a lost answer) has served its purpose."""
    from .models import WriteIntent

    linked = {f"hv:create:{g}" for g in ProductLinkRecord.objects.filter(tenant=tenant).values_list("kv_group_id", flat=True)}
    linked |= {f"hv:variant:{k}" for k in VariantLinkRecord.objects.filter(tenant=tenant).values_list("kv_id", flat=True)}
    WriteIntent.objects.filter(tenant=tenant, key__in=linked).delete()


def refresh_mirrors(tenant: Tenant) -> None:
    """Fill both catalogue lists (no writes to either platform)."""
    refresh.refresh_kiotviet(tenant, full=True)
    refresh.refresh_haravan(tenant, full=True)


def start_mirror_refresh(tenant: Tenant) -> None:
    from .tasks import refresh_mirrors_task

    transaction.on_commit(lambda: refresh_mirrors_task(tenant.pk))


def _first_error(outcome: Outcome) -> str:
    return next(iter(outcome.failed_rows.values()), "")


def _stream(tenant: Tenant, stream: str, ok: bool, error: str = "") -> None:
    now = timezone.now()
    defaults: dict[str, Any] = {"last_success_at": now, "last_error": ""} if ok else {"last_error": error[:2000], "last_error_at": now}
    StreamState.objects.update_or_create(tenant=tenant, stream=stream, defaults=defaults)


def _progress(job: SyncJob | None):  # type: ignore[no-untyped-def]
    if job is None:
        return lambda n: None
    state: dict[str, Any] = {"done": 0, "saved": timezone.now()}

    def advance(n: int) -> None:
        state["done"] += n
        now = timezone.now()
        if (now - state["saved"]).total_seconds() >= 0.5:
            SyncJob.objects.filter(pk=job.pk).update(done=state["done"], heartbeat_at=now)
            state["saved"] = now

    return advance


def flush_stock(tenant: Tenant) -> int:
    """Push every dirty stock row (coalesced); returns lines written.

    Batching during a burst: before each round it lets Haravan's bucket make room for the
    round's calls (two balance reads and a write) — they would wait that long anyway — and when
    the previous round had work (changes keep coming) it gives a short-handed round up to
    ``GATHER_S`` to fill a write's worth of rows. Rows dirtied meanwhile join the round instead of
    paying for another. A lone change (first round) goes at once."""
    written = 0
    client = get_wiring().haravan(tenant)
    for round_no in range(50):
        _await_budget(client, 3)
        dirty = stocksync.dirty_rows(tenant)
        if not dirty:
            break
        if round_no and len(dirty) < GATHER_ROWS:
            deadline = time.monotonic() + GATHER_S
            while time.monotonic() < deadline and stocksync.dirty_count(tenant) < GATHER_ROWS:
                time.sleep(0.1)
            dirty = stocksync.dirty_rows(tenant)
        outcome = stocksync.sync_stock(tenant, dirty, whole_groups=False, client=client)
        written += outcome.lines
        _stream(tenant, StreamState.Stream.STOCK, not outcome.error, outcome.error)
        if outcome.error:
            break
    return written


def _await_budget(client: Any, calls: int) -> None:
    """Sleep until the shop's pacer would let ``calls`` calls through without waiting."""
    pacer = client.pacer
    if not isinstance(pacer, LeakyBucketPacer):
        return
    excess = pacer.level + calls - (pacer.capacity - pacer.margin)
    if excess > 0:
        time.sleep(excess / pacer.leak_per_s)


def poll(tenant: Tenant) -> SyncResult | None:
    """Auto-sync backstop: pull deltas from both sides, push what changed (repairs missed webhooks)."""
    changes = refresh.refresh_kiotviet(tenant)
    refresh.refresh_haravan(tenant, full=False)
    touched = changes.rows | changes.deleted
    result = sync_products(tenant, touched) if touched else None
    flush_stock(tenant)
    return result


def run_job(job_id: int) -> None:
    with transaction.atomic():
        job = SyncJob.objects.select_for_update().select_related("tenant").filter(pk=job_id).first()
        if job is None or job.state in (SyncJob.State.DONE, SyncJob.State.FAILED):
            return
        now = timezone.now()
        if job.state == SyncJob.State.RUNNING:
            orphan = job.worker_id == RELEASED or (job.worker_id and job.worker_id not in alive_workers(now))
            if not orphan and job.heartbeat_at and now - job.heartbeat_at < STALE_JOB:
                return  # another worker holds it
        job.state, job.started_at, job.heartbeat_at = SyncJob.State.RUNNING, job.started_at or now, now
        job.worker_id = current_worker_id()
        job.save()
    tenant = job.tenant
    with tenant_context(tenant):
        try:
            if tenant.status != Tenant.Status.ACTIVE:
                raise NotConfigured("Cửa hàng không còn hoạt động.")
            if job.kind == SyncJob.Kind.SYNC_KV_TO_HV:
                message = _run_sync(tenant, job)
            else:
                message = _run_transfer(tenant, job)
        except NotConfigured as exc:
            _finish(job, SyncJob.State.FAILED, str(exc))
            return
        except Exception as exc:
            log.exception("job %s failed", job.pk)
            _finish(job, SyncJob.State.FAILED, explain(exc))
            raise
        _finish(job, SyncJob.State.DONE, message)


def _finish(job: SyncJob, state: str, message: str) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {"state": state, "message": message[:2000], "finished_at": now, "heartbeat_at": now}
    if state == SyncJob.State.DONE:
        job.refresh_from_db(fields=["total"])
        fields["done"] = job.total
    SyncJob.objects.filter(pk=job.pk).update(**fields)


def _run_sync(tenant: Tenant, job: SyncJob) -> str:
    _settings(tenant)
    first = not StreamState.objects.filter(tenant=tenant, stream=StreamState.Stream.PRODUCTS_KV_TO_HV).exclude(cursor="").exists()
    refresh.refresh_kiotviet(tenant, full=first)
    refresh.refresh_haravan(tenant, full=True)
    result = sync_products(tenant, None, job)
    flush_stock(tenant)
    p, s = result.products, result.stock
    SyncJob.objects.filter(pk=job.pk).update(failed=p.failed + s.failed)
    return f"created={p.created} updated={p.updated} linked={p.linked} hidden={p.hidden} failed={p.failed} stock_lines={s.lines}"


def _run_transfer(tenant: Tenant, job: SyncJob) -> str:
    _settings(tenant)
    refresh.refresh_haravan(tenant, full=True)
    refresh.refresh_kiotviet(tenant, full=not StreamState.objects.filter(tenant=tenant, stream=StreamState.Stream.PRODUCTS_KV_TO_HV).exclude(cursor="").exists())
    plan, categories = transfer.plan(tenant)
    SyncJob.objects.filter(pk=job.pk).update(total=transfer.count_work(plan), done=0)
    outcome = transfer.execute(tenant, plan, categories, _progress(job))
    SyncJob.objects.filter(pk=job.pk).update(failed=len(outcome.failed))
    _stream(tenant, StreamState.Stream.PRODUCTS_HV_TO_KV, not outcome.failed, next(iter(outcome.failed.values()), ""))
    return f"created={outcome.created} linked={outcome.linked} skus={outcome.skus_written} failed={len(outcome.failed)}"


def release_orphans(alive: set[str]) -> list[int]:
    """Running jobs whose worker process no longer beats (killed): released (once) for any
    worker to take over now, rather than after STALE_JOB without a heartbeat."""
    running = SyncJob.objects.filter(state=SyncJob.State.RUNNING).exclude(worker_id__in=["", RELEASED])
    released = []
    for pk, worker in running.values_list("pk", "worker_id"):
        if worker not in alive and SyncJob.objects.filter(pk=pk, worker_id=worker).update(worker_id=RELEASED):
            released.append(pk)
    return released


def stale_jobs() -> list[int]:
    cutoff = timezone.now() - STALE_JOB
    queued = SyncJob.objects.filter(state=SyncJob.State.QUEUED, created_at__lt=cutoff)
    running = SyncJob.objects.filter(state=SyncJob.State.RUNNING, heartbeat_at__lt=cutoff)
    return list(queued.values_list("pk", flat=True)) + list(running.values_list("pk", flat=True))
