"""Connection upkeep (Huey, periodic): shop tokens renewed before they expire, webhook
registrations kept alive on both platforms. Thin shells over :mod:`.tokens` and
:mod:`.registrations`; one shop's failure never stops the others."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kiotsync.logs import tenant_context
from kiotsync.tenants.models import HaravanInstallation, Tenant
from kiotsync.wiring import get_wiring
from kiotsync.workers.periodic import single

from .registrations import check_tenant
from .tokens import refresh_if_needed

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))
@single("refresh_haravan_tokens", 900)
def refresh_haravan_tokens() -> None:
    """Renew every shop token that expires within the refresh margin."""
    oauth = get_wiring().haravan_oauth()
    for install in HaravanInstallation.objects.select_related("tenant").filter(
        tenant__status=Tenant.Status.ACTIVE
    ):
        with tenant_context(install.tenant):
            try:
                refresh_if_needed(install.tenant, oauth)
            except Exception:  # one shop's failure must not stop the others
                log.exception("token refresh failed")


@db_periodic_task(crontab(minute="*/15"))
@single("check_webhook_registrations", 900)
def check_webhook_registrations() -> None:
    """Register again, on both platforms, webhooks that were switched off or lost."""
    wiring = get_wiring()
    topics = wiring.handlers.haravan_topics()
    for tenant in Tenant.objects.filter(status=Tenant.Status.ACTIVE):
        try:
            check_tenant(tenant, wiring, topics)
        except Exception:  # one shop's failure must not stop the others
            with tenant_context(tenant):
                log.exception("webhook registration check failed")
