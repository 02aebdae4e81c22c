"""Order jobs (Huey): thin shells over :mod:`.usecases`, :mod:`.polling` and :mod:`.importer`.
Each resolves the wiring once, checks its tenant, and passes the wiring down."""

from __future__ import annotations

import logging
from datetime import date

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kiotsync.tenants.models import HaravanInstallation, KiotVietConnection, Tenant
from kiotsync.wiring import JOBS, get_wiring
from kiotsync.workers import duties, lanes, slots
from kiotsync.workers.periodic import single

from . import customers, importer, polling, usecases
from .models import KvCustomerMirror

log = logging.getLogger(__name__)


@JOBS.register(usecases.SYNC_ORDER)
@db_task(priority=lanes.ORDERS)
def sync_order(link_id: int) -> None:
    usecases.sync_link(link_id, get_wiring())


@JOBS.register(importer.IMPORT_JOB)
@db_task(priority=lanes.JOBS)
def import_orders(tenant_id: int, since: str) -> None:
    tenant = Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE).first()
    if tenant is not None:
        slots.run_or_requeue(  # a long job (workers/slots.py)
            lambda: importer.import_since(tenant, date.fromisoformat(since), get_wiring()),
            lambda delay: get_wiring().queue.wake_later(delay, importer.IMPORT_JOB, tenant_id, since),
        )


#: The per-shop order poll (a duty: :mod:`kiotsync.workers.duties`).
POLL_SHOP = "orders.poll_shop"


#: How often a shop's orders are polled: every minute while a webhook registration is missing or
#: failing on either side, every 3 minutes while both sides' registrations are healthy (webhooks
#: carry the orders; the poll only catches a lost delivery).
POLL_UNHEALTHY_S = 60
POLL_HEALTHY_S = 180


def _connected_shops() -> dict[int, int]:
    rows = KiotVietConnection.objects.filter(tenant__status=Tenant.Status.ACTIVE).values_list(
        "tenant_id", "webhooks_error"
    )
    hv_broken = set(
        HaravanInstallation.objects.exclude(webhooks_error="", webhooks_missing="").values_list(
            "tenant_id", flat=True
        )
    )
    return {
        tenant_id: POLL_UNHEALTHY_S if (kv_error or tenant_id in hv_broken) else POLL_HEALTHY_S
        for tenant_id, kv_error in rows
    }


@JOBS.register(POLL_SHOP)
@db_task(priority=lanes.BACKSTOP)
def poll_shop(tenant_id: int) -> None:
    """Poll one shop's orders on both platforms (the backstop for lost webhooks)."""
    conn = (
        KiotVietConnection.objects.select_related("tenant")
        .filter(tenant_id=tenant_id, tenant__status=Tenant.Status.ACTIVE)
        .first()
    )
    if conn is not None:
        _poll(conn.tenant)


def _poll(tenant: Tenant) -> None:
    try:
        polling.poll_tenant(tenant, get_wiring())
    except Exception:  # one shop's failure must not stop the others
        log.exception("order poll failed for %s", tenant.orgid)


duties.register("orders.poll", 60, POLL_SHOP, _connected_shops)


#: The one full read of a shop's KiotViet customers (:mod:`.customers`).
READ_CUSTOMERS = "orders.read_customers"


def _shops_without_customers() -> list[int]:
    return list(
        KiotVietConnection.objects.filter(tenant__status=Tenant.Status.ACTIVE)
        .exclude(tenant_id__in=KvCustomerMirror.objects.filter(complete=True).values("tenant_id"))
        .values_list("tenant_id", flat=True)
    )


@JOBS.register(READ_CUSTOMERS)
@db_task(priority=lanes.JOBS)
def read_customers(tenant_id: int) -> None:
    """Mirror one shop's KiotViet customers (then orders find them without a GET)."""
    conn = (
        KiotVietConnection.objects.select_related("tenant")
        .filter(tenant_id=tenant_id, tenant__status=Tenant.Status.ACTIVE)
        .first()
    )
    if conn is None or KvCustomerMirror.objects.filter(tenant_id=tenant_id, complete=True).exists():
        return
    try:
        customers.read_all(conn.tenant, get_wiring().kiotviet(conn.tenant))
    except Exception:  # orders keep looking customers up by phone meanwhile
        log.exception("customer read failed for %s", conn.tenant.orgid)


duties.register("orders.customers", 600, READ_CUSTOMERS, _shops_without_customers)


def backstop() -> None:
    """Poll every connected shop at once, then wake what is due (tests and benchmarks; in
    production each shop is polled by its own duty and :func:`orders_due` runs each minute)."""
    for conn in KiotVietConnection.objects.select_related("tenant").filter(
        tenant__status=Tenant.Status.ACTIVE
    ):
        _poll(conn.tenant)
    usecases.run_due(get_wiring())


@db_periodic_task(crontab(minute="*"))
@single("orders_due", 60)
def orders_due() -> None:
    """Wake retries that are due and triggers that were lost (indexed rows only: its cost is
    the orders waiting, not the number of shops)."""
    usecases.run_due(get_wiring())
