"""Order jobs (Huey, autodiscovered by djhuey). Thin shells over :mod:`.sync`, :mod:`.polling`
and :mod:`.importer`; each one checks its tenant and tags its log lines."""

from __future__ import annotations

import logging
from datetime import date

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kiotsync.tenants.models import KiotVietConnection, Tenant

log = logging.getLogger(__name__)


@db_task()
def sync_order(link_id: int) -> None:
    from .sync import sync_link

    sync_link(link_id)


@db_task()
def import_orders(tenant_id: int, since: str) -> None:
    from .importer import import_since

    tenant = Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE).first()
    if tenant is not None:
        import_since(tenant, date.fromisoformat(since))


def backstop() -> None:
    """Poll every connected shop, then wake retries that are due and triggers that were lost."""
    from .polling import poll_tenant
    from .sync import run_due

    for conn in KiotVietConnection.objects.select_related("tenant").filter(
        tenant__status=Tenant.Status.ACTIVE
    ):
        try:
            poll_tenant(conn.tenant)
        except Exception:  # one shop's failure must not stop the others
            log.exception("order poll failed for %s", conn.tenant.orgid)
    run_due()


@db_periodic_task(crontab(minute="*"))
def orders_backstop() -> None:
    backstop()
