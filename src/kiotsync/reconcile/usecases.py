"""Reconciliation use cases: run one for a shop, and fix one drift on the merchant's click."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kiotsync.catalog import usecases as catalog
from kiotsync.logs import tenant_context
from kiotsync.orders.ingest import ingest_haravan
from kiotsync.orders.usecases import enqueue
from kiotsync.ports import Ports
from kiotsync.tenants.models import SyncSettings, Tenant

from . import check
from .check_fields import check_fields
from .check_stock import check_stock, rewrite_stock
from .models import Drift, ReconcileRun

log = logging.getLogger(__name__)

#: The reconciliation job (registered by :mod:`.jobs`).
RUN_JOB = "reconcile.run"
#: A shop is reconciled this often (a run compares the whole catalogue and a week of orders).
EVERY = timedelta(minutes=60)
#: Runs kept per shop (older ones and their drifts are deleted).
KEEP_RUNS = 20
#: The checks of a run, in order (each passes what it learnt to the later ones), by the name
#: their count goes under in ``ReconcileRun.checked``.
STEPS = (
    ("products", check.check_products),
    ("orders", check.check_orders),
    ("fields", check_fields),
    ("stock", check_stock),
)


def start(tenant: Tenant, ports: Ports) -> None:
    """ "Đối soát ngay": queue a run (one at a time per shop)."""
    if not ReconcileRun.objects.filter(tenant=tenant, state=ReconcileRun.State.RUNNING).exists():
        transaction.on_commit(lambda: ports.queue.wake(RUN_JOB, tenant.pk))


def latest(tenant: Tenant) -> ReconcileRun | None:
    return ReconcileRun.objects.filter(tenant=tenant).first()


def due(tenant: Tenant) -> bool:
    last = latest(tenant)
    return last is None or (
        last.state != ReconcileRun.State.RUNNING and timezone.now() - last.started_at >= EVERY
    )


def run(tenant: Tenant, ports: Ports) -> ReconcileRun:
    """Compare both platforms with the promise, heal what KiotSync may (Auto-sync on), and
    record every drift with its cause."""
    settings = SyncSettings.objects.filter(tenant=tenant).first()
    heal = bool(settings and settings.auto_sync_enabled)
    record = ReconcileRun.objects.create(tenant=tenant)
    found: list[check.Found] = []
    checked: dict[str, int] = {}
    seen = check.Seen()
    with tenant_context(tenant):
        try:
            for name, step in STEPS:
                drifts, count = step(tenant, ports, heal=heal, seen=seen)
                found.extend(drifts)
                checked[name] = count
        except Exception as exc:
            log.exception("reconciliation failed")
            record.state, record.error = ReconcileRun.State.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        else:
            record.state = ReconcileRun.State.DONE
    Drift.objects.bulk_create(
        [
            Drift(
                tenant=tenant,
                run=record,
                kind=f.kind,
                cause=f.cause,
                subject=f.subject[:500],
                kv_id=f.kv_id,
                hv_variant_id=f.hv_variant_id,
                hv_order_id=f.hv_order_id,
                expected=f.expected[:200],
                actual=f.actual[:200],
                healed=f.healed,
                detail=f.detail,
            )
            for f in found
        ]
    )
    record.checked = checked
    record.healed = sum(1 for f in found if f.healed)
    record.left = len(found) - record.healed
    record.finished_at = timezone.now()
    record.save()
    old = ReconcileRun.objects.filter(tenant=tenant).values_list("pk", flat=True)[KEEP_RUNS:]
    ReconcileRun.objects.filter(pk__in=list(old)).delete()
    with tenant_context(tenant):
        log.info("reconciled: %s checked, %d healed, %d left", checked, record.healed, record.left)
    return record


def fix(tenant: Tenant, drift_id: int, ports: Ports) -> bool:
    """The merchant's "Sửa": do what heals this drift now. Returns whether something was done."""
    drift = Drift.objects.filter(tenant=tenant, pk=drift_id, healed=False, fixed_at__isnull=True).first()
    if drift is None:
        return False
    if drift.kind in (Drift.Kind.PRODUCT_MISSING, Drift.Kind.PRODUCT_FIELDS) and drift.kv_id:
        catalog.resync_product(tenant, drift.kv_id, ports)
    elif drift.kind == Drift.Kind.STOCK and drift.kv_id and drift.cause != Drift.Cause.ORDER_NOT_IN_KV:
        # The stock webhook's path, forced: the link forgets its last write, the rows go dirty
        # and the flush runs (whatever Auto-sync says: the merchant asked).
        if not rewrite_stock(tenant, [drift.kv_id], ports):
            return False
    elif drift.kind == Drift.Kind.ORDER_MISSING and drift.hv_order_id:
        got = ingest_haravan(
            tenant, ports.haravan(tenant).get_order(drift.hv_order_id).raw, via="poll", forced=True
        )
        if got is None:
            return False
        enqueue(got.link.pk, ports)
    else:
        # A duplicate is cancelled in KiotViet by the merchant (the page says which); stock sold
        # by an order not in KiotViet yet is fixed by sending that order (its own line).
        return False
    Drift.objects.filter(pk=drift.pk).update(fixed_at=timezone.now())
    return True
