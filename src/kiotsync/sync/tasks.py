"""Background jobs (Huey). Thin shells: each loads its tenant and calls a service.

Discovered by ``huey.contrib.djhuey`` (``tasks`` module of an installed app). Every job takes
the tenant id explicitly, checks the tenant is still active, and tags its log lines.
"""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kiotsync.logs import tenant_context
from kiotsync.tenants.models import HaravanInstallation, Tenant

log = logging.getLogger(__name__)


@db_task(retries=5, retry_delay=10)
def process_inbound(event_id: int) -> None:
    from kiotsync.services.dispatch import process_event

    process_event(event_id)


@db_periodic_task(crontab(minute="*/15"))
def refresh_haravan_tokens() -> None:
    """Renew every shop token that expires within the refresh margin."""
    from kiotsync.services.haravan_install import refresh_if_needed

    for install in HaravanInstallation.objects.select_related("tenant").filter(tenant__status=Tenant.Status.ACTIVE):
        with tenant_context(install.tenant):
            try:
                refresh_if_needed(install.tenant)
            except Exception:  # one shop's failure must not stop the others
                log.exception("token refresh failed")


@db_periodic_task(crontab(minute="*"))
def redeliver_pending_events() -> None:
    """Backstop: pick up inbox rows whose wake-up was lost (process died before enqueue)."""
    from kiotsync.services.dispatch import requeue_stale_events

    requeue_stale_events()


@db_periodic_task(crontab(minute="*/15"))
def check_webhook_registrations() -> None:
    """Register again, on both platforms, webhooks that were switched off or lost."""
    from kiotsync.services.registrations import check_tenant

    for tenant in Tenant.objects.filter(status=Tenant.Status.ACTIVE):
        try:
            check_tenant(tenant)
        except Exception:  # one shop's failure must not stop the others
            with tenant_context(tenant):
                log.exception("webhook registration check failed")
