"""Catalogue use cases: Sync now, Auto-sync, opt-out, per-product re-sync, Transfer all.

Every entry point writes a durable row first (a :class:`SyncJob`, a flag, a mirror row) and
then wakes a worker; the work itself is idempotent (plans are computed from the mirrors and
links, creates are guarded by write intents), so a job killed half-way simply runs again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kiotsync.bookkeeping import intents
from kiotsync.bookkeeping.models import StreamState
from kiotsync.core.catalog import plan_kiotviet_to_haravan
from kiotsync.core.catalog.grouping import coalesce_rows, group_id_of
from kiotsync.core.catalog.status import RowState as PlanState
from kiotsync.haravan.pacing import LeakyBucketPacer
from kiotsync.logs import tenant_context
from kiotsync.ports import Ports
from kiotsync.tenants.models import SyncSettings, Tenant
from kiotsync.workers.heartbeat import alive_workers, current_worker_id

from . import inputs, polling, stock_push, transfer
from .execute import Outcome, ProductExecutor, record_statuses
from .failures import explain
from .models import KvRow, KvStock, ProductLinkRecord, RowState, SyncJob, VariantLinkRecord
from .unlink import drop_vanished_links

log = logging.getLogger(__name__)

STALE_JOB = timedelta(minutes=2)
# SyncJob.worker_id of a job whose worker died, waiting for another one.
RELEASED = "-"
# Stock flush batching during bursts: a round of 100 rows is one write (and two balance reads);
# a short-handed round waits at most GATHER_S for more.
GATHER_ROWS = 100
GATHER_S = 1.0

# The catalogue's jobs, by name (registered by :mod:`.jobs`; woken through the queue port).
RUN_JOB = "catalog.run_job"
SYNC_GROUP = "catalog.sync_group"
REFRESH_MIRRORS = "catalog.refresh_mirrors"
FLUSH_STOCK = "catalog.flush_stock"
#: A product write that failed transiently (timeout, 5xx, 429) is tried again after these
#: delays (seconds); after the last, the row shows its error and the poll or the merchant's
#: "Đồng bộ lại" takes it from there.
RETRY_DELAYS_S = (30, 60, 120, 300, 600)
#: Rows the Auto-sync poll retries per round besides what KiotViet changed.
RETRY_ROWS = 500


def flush_lock(tenant_id: int) -> str:
    """The lock a running stock flush of the shop holds (one at a time per shop)."""
    return f"flush-stock-{tenant_id}"


class NotConfigured(Exception):
    """Settings must be saved (Haravan location chosen) before syncing."""


@dataclass
class SyncResult:
    products: Outcome
    stock: stock_push.StockOutcome


# -- entry points (web) -----------------------------------------------------------------------


def latest_job(tenant: Tenant, kind: str) -> SyncJob | None:
    return SyncJob.objects.filter(tenant=tenant, kind=kind).order_by("-created_at", "-pk").first()


def _start(tenant: Tenant, kind: str, ports: Ports, options: dict[str, Any] | None = None) -> SyncJob:
    with transaction.atomic():
        active = (
            SyncJob.objects.select_for_update()
            .filter(tenant=tenant, kind=kind, state__in=[SyncJob.State.QUEUED, SyncJob.State.RUNNING])
            .first()
        )
        if active is not None:
            return active
        job = SyncJob.objects.create(tenant=tenant, kind=kind, options=options or {})
        transaction.on_commit(lambda: ports.queue.wake(RUN_JOB, job.pk))
    return job


def start_sync_now(tenant: Tenant, ports: Ports) -> SyncJob:
    return _start(tenant, SyncJob.Kind.SYNC_KV_TO_HV, ports)


#: Transfer all: a KiotViet row made from a Haravan variant starts with the Haravan on-hand at the
#: chosen location, in the order branch ("haravan", the default) — or with nothing ("zero").
OPENING_STOCK_CHOICES = ("haravan", "zero")


def start_transfer_all(tenant: Tenant, ports: Ports, opening_stock: str = "haravan") -> SyncJob:
    if opening_stock not in OPENING_STOCK_CHOICES:
        opening_stock = "haravan"
    return _start(tenant, SyncJob.Kind.TRANSFER_HV_TO_KV, ports, {"opening_stock": opening_stock})


def set_auto_sync(tenant: Tenant, enabled: bool, ports: Ports) -> None:
    SyncSettings.objects.filter(tenant=tenant).update(auto_sync_enabled=enabled)
    with tenant_context(tenant):
        log.info("auto-sync %s", "enabled" if enabled else "disabled")
    if enabled:
        start_sync_now(tenant, ports)


def _group_ids(tenant: Tenant, kv_id: int) -> set[int]:
    if not KvRow.objects.filter(tenant=tenant, kv_id=kv_id).exists():
        raise KvRow.DoesNotExist(kv_id)
    return inputs.expand_groups(tenant, {kv_id}) - {
        c for c in KvRow.objects.filter(tenant=tenant, type=1).values_list("kv_id", flat=True) if c != kv_id
    }


def set_opt_out(tenant: Tenant, kv_id: int, opted_out: bool, ports: Ports) -> None:
    """Exclude (or include again) a product's whole variant group."""
    ids = _group_ids(tenant, kv_id)
    KvRow.objects.filter(tenant=tenant, kv_id__in=ids).update(opted_out=opted_out, updated_at=timezone.now())
    if not opted_out:
        resync_product(tenant, kv_id, ports)


def resync_product(tenant: Tenant, kv_id: int, ports: Ports) -> None:
    ids = _group_ids(tenant, kv_id)
    drop_vanished_links(tenant, ids, ports.haravan(tenant))
    transaction.on_commit(lambda: ports.queue.wake(SYNC_GROUP, tenant.pk, sorted(ids)))


# -- the work (worker) ------------------------------------------------------------------------


def _settings(tenant: Tenant) -> SyncSettings:
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    if settings is None or not settings.haravan_location_id:
        raise NotConfigured("Vui lòng lưu cấu hình đồng bộ (chọn kho Haravan) trước khi đồng bộ.")
    return settings


def sync_products(
    tenant: Tenant, kv_ids: Collection[int] | None, ports: Ports, job: SyncJob | None = None, retry: int = 0
) -> SyncResult:
    """KiotViet → Haravan for ``kv_ids``' groups (None: the whole catalogue), then their stock."""
    settings = _settings(tenant)
    scope = None if kv_ids is None else inputs.expand_groups(tenant, kv_ids)
    rows = inputs.kv_rows(tenant, scope)
    deleted = inputs.deleted_kv_ids(tenant, scope)
    links = inputs.links(tenant)
    if scope is None:
        hv_products = inputs.hv_products(tenant)
    else:
        linked = set(
            ProductLinkRecord.objects.filter(tenant=tenant, kv_group_id__in=scope).values_list(
                "hv_product_id", flat=True
            )
        )
        linked |= set(
            VariantLinkRecord.objects.filter(tenant=tenant, kv_id__in=scope).values_list(
                "hv_product_id", flat=True
            )
        )
        keys = {r.barcode if settings.link_key == SyncSettings.LinkKey.BARCODE else r.code for r in rows}
        hv_products = inputs.hv_products(tenant, linked, keys)
    plan = plan_kiotviet_to_haravan(
        rows,
        hv_products,
        links,
        inputs.core_settings(settings),
        inputs.opt_outs(tenant),
        timezone.now(),
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
    client = ports.haravan(tenant)
    # Rows with writes planned are marked under way first: a worker dying before their outcome
    # is recorded leaves them so, and the next Auto-sync poll plans them again (rows_behind).
    under_way = [s.kv_product_id for s in plan.statuses if s.state == PlanState.PLANNED]
    KvRow.objects.filter(tenant=tenant, kv_id__in=under_way).update(state=RowState.PLANNED)
    executor = ProductExecutor(tenant, client, group_rows, progress)
    outcome = executor.run(plan)
    record_statuses(tenant, plan.statuses, outcome)
    if outcome.transient and outcome.failed_rows and retry < len(RETRY_DELAYS_S):
        failed = sorted(outcome.failed_rows)
        transaction.on_commit(
            lambda: ports.queue.wake_later(RETRY_DELAYS_S[retry], SYNC_GROUP, tenant.pk, failed, retry + 1)
        )
    _clear_settled_intents(tenant)
    stock = stock_push.sync_stock(tenant, scope, fresh_variants=outcome.new_variants, client=client)
    progress(1)
    _stream(tenant, StreamState.Stream.PRODUCTS_KV_TO_HV, outcome.failed == 0, _first_error(outcome))
    _stream(tenant, StreamState.Stream.STOCK, stock.failed == 0 and not stock.error, stock.error)
    return SyncResult(outcome, stock)


def _clear_settled_intents(tenant: Tenant) -> None:
    """An intent whose product got linked some other way (e.g. found by SKU in the Haravan
    mirror after a lost answer) has served its purpose."""
    linked = {
        f"hv:create:{g}"
        for g in ProductLinkRecord.objects.filter(tenant=tenant).values_list("kv_group_id", flat=True)
    }
    linked |= {
        f"hv:variant:{k}"
        for k in VariantLinkRecord.objects.filter(tenant=tenant).values_list("kv_id", flat=True)
    }
    intents.settle(tenant.pk, *linked)


def refresh_mirrors(tenant: Tenant, ports: Ports) -> None:
    """Fill both catalogue lists (no writes to either platform)."""
    polling.refresh_kiotviet(tenant, ports, full=True)
    polling.refresh_haravan(tenant, ports, full=True)


def start_mirror_refresh(tenant: Tenant, ports: Ports) -> None:
    transaction.on_commit(lambda: ports.queue.wake(REFRESH_MIRRORS, tenant.pk))


def _first_error(outcome: Outcome) -> str:
    return next(iter(outcome.failed_rows.values()), "")


def _stream(tenant: Tenant, stream: str, ok: bool, error: str = "") -> None:
    now = timezone.now()
    defaults: dict[str, Any] = (
        {"last_success_at": now, "last_error": ""}
        if ok
        else {"last_error": error[:2000], "last_error_at": now}
    )
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


def flush_stock(tenant: Tenant, ports: Ports) -> int:
    """Push every dirty stock row (coalesced); returns lines written.

    Batching during a burst: before each round it lets Haravan's bucket make room for the
    round's calls (two balance reads and a write) — they would wait that long anyway — and when
    the previous round had work (changes keep coming) it gives a short-handed round up to
    ``GATHER_S`` to fill a write's worth of rows. Rows dirtied meanwhile join the round instead of
    paying for another. A lone change (first round) goes at once."""
    written = 0
    client = ports.haravan(tenant)
    polling.refresh_branches(tenant, ports, max_age=polling.BRANCHES_MAX_AGE)
    for round_no in range(50):
        if isinstance(client.pacer, LeakyBucketPacer):
            client.pacer.wait_for_room(3)  # a round's two balance reads and its write
        dirty = stock_push.dirty_rows(tenant)
        if not dirty:
            break
        if round_no and len(dirty) < GATHER_ROWS:
            deadline = time.monotonic() + GATHER_S
            while time.monotonic() < deadline and stock_push.dirty_count(tenant) < GATHER_ROWS:
                time.sleep(0.1)
            dirty = stock_push.dirty_rows(tenant)
        outcome = stock_push.sync_stock(tenant, dirty, whole_groups=False, client=client)
        written += outcome.lines
        _stream(tenant, StreamState.Stream.STOCK, not outcome.error, outcome.error)
        if outcome.error:
            break
    return written


def request_stock_flush(tenant_id: int, ports: Ports, wanted: Callable[[int], bool] | None = None) -> None:
    """Wake a flush for freshly committed dirty stock — unless one is running already, or
    ``wanted(tenant_id)`` (checked only then) says no.

    Call it after the commit. A running flush loops until no dirty row is left and looks again
    after releasing its lock, so a row committed before the lock was seen held is always picked
    up; skipping the task then spares a queue round trip per webhook during a burst (and keeps
    the queue free of flushes that would only find the lock taken)."""
    if ports.queue.busy(flush_lock(tenant_id)):
        return
    if wanted is not None and not wanted(tenant_id):
        return
    ports.queue.wake(FLUSH_STOCK, tenant_id)


# -- stock written again when what it is computed from changes -------------------------------


class StockWake:
    """Wakes a shop's stock flush where no ports reach (an order link changing its pending units,
    a branch starting or stopping): :class:`.apps.CatalogConfig` hands it the flush job at
    start-up. Only shops whose stock follows KiotViet on its own (Auto-sync, stock ticked) are
    woken; for the others the rows stay dirty and the next "Đồng bộ" writes them."""

    def __init__(self) -> None:
        self._wake: Callable[[int], object] | None = None

    def use(self, wake: Callable[[int], object] | None) -> None:
        self._wake = wake

    def __call__(self, tenant_id: int) -> None:
        if self._wake is None:
            return
        settings = SyncSettings.objects.filter(tenant_id=tenant_id).first()
        if settings and settings.auto_sync_enabled and settings.sync_stock and settings.haravan_location_id:
            self._wake(tenant_id)


STOCK_WAKE = StockWake()


def pending_changed(tenant_id: int, variant_ids: Collection[int]) -> None:
    """Open Haravan orders for ``variant_ids`` entered or left the units KiotViet does not
    reserve yet, or what Haravan holds committed for them moved while those units did not
    (KiotSync created or cancelled a Haravan order whose units KiotViet reserves on its own) —
    call after the commit. The rows sharing their stock (the linked row, its base row or a
    combo's components, and through them every unit and combo built on them) are marked for a
    stock write, and the flush is woken. The variants' last target written is forgotten, so that
    the planner compares the target with what Haravan shows now (the target may not move: a row
    at 0 stays at 0 when an order takes more) and writes only if they differ — usually Haravan
    already shows it (it committed the order's units itself) and the write is only remembered."""
    try:
        linked = VariantLinkRecord.objects.filter(tenant_id=tenant_id, hv_variant_id__in=list(variant_ids))
        kv_ids = set(linked.values_list("kv_id", flat=True))
        if kv_ids:
            linked.exclude(stock_target=None).update(stock_target=None)
        tenant = Tenant.objects.filter(pk=tenant_id).first() if kv_ids else None
        if tenant is None:
            return
        holders = inputs.stock_holders(tenant, kv_ids) | kv_ids
        if KvStock.objects.filter(tenant=tenant, kv_id__in=holders).update(dirty=True):
            STOCK_WAKE(tenant_id)
    except Exception:  # the order's own sync must not fail for it: the next poll writes the stock
        log.exception("waking the stock write for pending order units failed")


def branches_changed(tenant: Tenant, branch_ids: Collection[int]) -> None:
    """KiotViet branches started or stopped operating: every row with stock there is written
    again (a deactivated branch no longer counts)."""
    if KvStock.objects.filter(tenant=tenant, branch_id__in=list(branch_ids)).update(dirty=True):
        transaction.on_commit(lambda: STOCK_WAKE(tenant.pk))


def location_switched(tenant: Tenant, old_location_id: int, ports: Ports) -> int:
    """The Haravan location stock goes to changed. What the links remember (the last target
    written, its basis) was written to the old location: forgotten, so that every linked
    variant is written to the new one (now, by the flush). Returns how many variants KiotSync
    had put on sale at the old location (last target written above 0)."""
    links = VariantLinkRecord.objects.filter(tenant=tenant)
    selling = links.filter(stock_target__gt=0).count()
    links.exclude(stock_target=None).update(stock_target=None, stock_basis=[])
    KvStock.objects.filter(tenant=tenant).update(dirty=True)
    transaction.on_commit(lambda: request_stock_flush(tenant.pk, ports))
    with tenant_context(tenant):
        log.info("stock location changed from %s: %d variants on sale there", old_location_id, selling)
    return selling


#: Settings the stock targets are computed from (the location has its own switch, above).
STOCK_SETTINGS = ("stock_mode", "order_branch_id")
#: Settings the products' desired fields are computed from.
PRODUCT_SETTINGS = (*SyncSettings.FIELD_FLAGS, "price_source", "price_book_id", "link_key")


def settings_changed(tenant: Tenant, before: SyncSettings, after: SyncSettings, ports: Ports) -> None:
    """The merchant saved other settings: what they change is planned again. A field ticked or
    unticked, or another price source: the whole catalogue is synced again (as "Đồng bộ" does,
    stock included) when Auto-sync is on. Another stock mode or order branch: every stock row is
    written again (now with Auto-sync on; else by the next "Đồng bộ")."""
    changed = {f for f in (*STOCK_SETTINGS, *PRODUCT_SETTINGS) if getattr(before, f) != getattr(after, f)}
    if before.configured_at is None or not changed:
        return
    with tenant_context(tenant):
        log.info("settings changed: %s", ", ".join(sorted(changed)))
    if changed & set(PRODUCT_SETTINGS):
        if after.auto_sync_enabled:
            start_sync_now(tenant, ports)
        return
    if KvStock.objects.filter(tenant=tenant).update(dirty=True):
        transaction.on_commit(lambda: STOCK_WAKE(tenant.pk))


def zero_location(tenant: Tenant, location_id: int, ports: Ports) -> stock_push.StockOutcome:
    """The merchant chose to stop selling at the old location: every linked variant still
    available there is set to 0 available (see :func:`.stock_push.zero_location`)."""
    with tenant_context(tenant):
        return stock_push.zero_location(tenant, location_id, client=ports.haravan(tenant))


def poll(tenant: Tenant, ports: Ports) -> SyncResult | None:
    """Auto-sync backstop: pull deltas from both sides, push what changed (repairs missed webhooks)."""
    changes = polling.refresh_kiotviet(tenant, ports)
    polling.refresh_haravan(tenant, ports, full=False)
    # What KiotViet changed, and rows a write has not reached yet (a create that timed out,
    # a row stored while its wake-up was lost): Auto-sync means every row flows on its own.
    touched = changes.rows | changes.deleted | inputs.rows_behind(tenant, RETRY_ROWS)
    touched |= polling.refresh_price_book(tenant, ports)
    result = sync_products(tenant, touched, ports) if touched else None
    flush_stock(tenant, ports)
    return result


def run_job(job_id: int, ports: Ports) -> None:
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
                message = _run_sync(tenant, job, ports)
            else:
                message = _run_transfer(tenant, job, ports)
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
    fields: dict[str, Any] = {
        "state": state,
        "message": message[:2000],
        "finished_at": now,
        "heartbeat_at": now,
    }
    if state == SyncJob.State.DONE:
        job.refresh_from_db(fields=["total"])
        fields["done"] = job.total
    SyncJob.objects.filter(pk=job.pk).update(**fields)


def _run_sync(tenant: Tenant, job: SyncJob, ports: Ports) -> str:
    _settings(tenant)
    first = (
        not StreamState.objects.filter(tenant=tenant, stream=StreamState.Stream.PRODUCTS_KV_TO_HV)
        .exclude(cursor="")
        .exists()
    )
    polling.refresh_kiotviet(tenant, ports, full=first)
    polling.refresh_price_book(tenant, ports)  # book edits move no product's modifiedDate
    polling.refresh_haravan(tenant, ports, full=True)
    result = sync_products(tenant, None, ports, job)
    flush_stock(tenant, ports)
    p, s = result.products, result.stock
    SyncJob.objects.filter(pk=job.pk).update(failed=p.failed + s.failed)
    return f"created={p.created} updated={p.updated} linked={p.linked} hidden={p.hidden} failed={p.failed} stock_lines={s.lines}"


def _run_transfer(tenant: Tenant, job: SyncJob, ports: Ports) -> str:
    _settings(tenant)
    polling.refresh_haravan(tenant, ports, full=True)
    polling.refresh_kiotviet(
        tenant,
        ports,
        full=not StreamState.objects.filter(tenant=tenant, stream=StreamState.Stream.PRODUCTS_KV_TO_HV)
        .exclude(cursor="")
        .exists(),
    )
    plan, categories = transfer.plan(tenant, ports)
    SyncJob.objects.filter(pk=job.pk).update(total=transfer.count_work(plan), done=0)
    opening = (job.options or {}).get("opening_stock", "haravan") == "haravan"
    outcome = transfer.execute(tenant, plan, categories, _progress(job), ports, opening_stock=opening)
    SyncJob.objects.filter(pk=job.pk).update(failed=len(outcome.failed))
    _stream(
        tenant,
        StreamState.Stream.PRODUCTS_HV_TO_KV,
        not outcome.failed,
        next(iter(outcome.failed.values()), ""),
    )
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
